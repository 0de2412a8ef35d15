# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Helpers of vnic-demo.sh and vnic-bench.sh, sourced (POSIX sh: busybox in
# the QEMU initramfs, the host's tools under UML). Not a program.
#
#   init netns                             a netns of its own
#   vA 10.77.0.1/24 (sender) <-- vnic --> vB 10.77.0.2/24 (receiver)
#
# The receiver's netns is held by a sleeping process made with
# `unshare -n` and entered with `nsenter -t PID -n`: no `ip netns`, so
# nothing is mounted and no file is left in /run (under UML /run is the
# host's). vB's tools run through $RXNS.

VNIC_TX=vA
VNIC_RX=vB
VNIC_TX_ADDR=10.77.0.1
VNIC_RX_ADDR=10.77.0.2
VNIC_NSPID=
RXNS=
VNIC_TMP=

# iproute2's ip: busybox sh (and nsenter) run their own ip applet for a
# bare "ip" whatever PATH says, and it knows no vnic.
IP=ip
for _p in /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do
	if [ -x "$_p" ] && "$_p" -V 2>/dev/null | grep -q iproute2; then
		IP=$_p
		break
	fi
done

# zcrx-nic-setup, the NIC setup of a zcrx flow: beside the scripts in the
# VM (examples/Makefile installs it there), in scripts/ of the source tree.
VNIC_NIC_SETUP=
for _p in "$VNIC_BIN/zcrx-nic-setup" "$VNIC_BIN/../scripts/zcrx-nic-setup"; do
	if [ -x "$_p" ]; then
		VNIC_NIC_SETUP=$_p
		break
	fi
done

# Say something on stderr, prefixed with the script's name.
vnic_msg() {
	echo "${VNIC_PROG:-vnic}: $*" >&2
}

# Create the pair, move vB into a new netns, address both ends and bring
# them up. Returns 0, 77 when the kernel has no vnic, 1 on a failure.
# $1: a scratch directory.
vnic_setup() {
	_d=$1
	VNIC_TMP=$1
	"$IP" link del "$VNIC_TX" 2>/dev/null
	unshare -n sleep 1000000 &
	VNIC_NSPID=$!
	RXNS="nsenter -t $VNIC_NSPID -n"
	_i=0
	_me=$(readlink /proc/self/ns/net)
	while :; do
		_ns=$(readlink "/proc/$VNIC_NSPID/ns/net" 2>/dev/null)
		[ -n "$_ns" ] && [ "$_ns" != "$_me" ] && break
		_i=$((_i + 1))
		if [ -z "$_ns" ] || [ "$_i" -gt 100 ]; then
			vnic_msg "cannot make a network namespace with unshare -n"
			return 1
		fi
		sleep 0.1
	done

	# With the iproute2 plugin (link_vnic.so, beside the test programs)
	# ip knows "peer name ... netns ..."; without it the kernel names the
	# peer vnic<N>, which is renamed and moved.
	if [ ! -f "${IP_LIB_DIR:-/usr/lib/ip}/link_vnic.so" ] &&
		[ -f "$VNIC_BIN/link_vnic.so" ]; then
		IP_LIB_DIR=$VNIC_BIN
		export IP_LIB_DIR
	fi
	if "$IP" link add "$VNIC_TX" type vnic peer name "$VNIC_RX" \
		netns "$VNIC_NSPID" 2>"$_d/ip.err"; then
		:
	else
		ls /sys/class/net >"$_d/links.before"
		if ! "$IP" link add "$VNIC_TX" type vnic 2>>"$_d/ip.err"; then
			if grep -q -i 'unknown device type\|not supported' \
				"$_d/ip.err"; then
				vnic_msg "no vnic in this kernel: $(tail -n1 "$_d/ip.err")"
				return 77
			fi
			vnic_msg "cannot create the vnic pair: $(cat "$_d/ip.err")"
			return 1
		fi
		_peer=
		for _l in /sys/class/net/*; do
			_l=${_l##*/}
			[ "$_l" != "$VNIC_TX" ] || continue
			grep -q -x -F "$_l" "$_d/links.before" || _peer=$_l
		done
		if [ -z "$_peer" ] ||
			! "$IP" link set "$_peer" name "$VNIC_RX" ||
			! "$IP" link set "$VNIC_RX" netns "$VNIC_NSPID"; then
			vnic_msg "cannot find, rename or move the peer of $VNIC_TX ($_peer)"
			return 1
		fi
	fi
	if ! { "$IP" addr add "$VNIC_TX_ADDR/24" dev "$VNIC_TX" &&
		"$IP" link set "$VNIC_TX" up &&
		$RXNS "$IP" addr add "$VNIC_RX_ADDR/24" dev "$VNIC_RX" &&
		$RXNS "$IP" link set "$VNIC_RX" up &&
		$RXNS "$IP" link set lo up; }; then
		vnic_msg "cannot configure the pair"
		return 1
	fi
	return 0
}

# Delete the pair (both ends go) and end the netns. Safe to call twice.
vnic_cleanup() {
	"$IP" link del "$VNIC_TX" 2>/dev/null
	if [ -n "$VNIC_NSPID" ]; then
		kill "$VNIC_NSPID" 2>/dev/null
		wait "$VNIC_NSPID" 2>/dev/null
		VNIC_NSPID=
	fi
}

# The MTU of both ends.
vnic_mtu() {
	"$IP" link set "$VNIC_TX" mtu "$1" &&
		$RXNS "$IP" link set "$VNIC_RX" mtu "$1"
}

# Receive-side steering. The zcrx flow, TCP dport $1 -> queue $2, is set up
# by zcrx-nic-setup (header split on, tcp4 and tcp6 rules, RSS off queue
# $2), whose lines are printed; its state file goes to the scratch
# directory, not to /run (the host's under UML). The other flows, dport $3
# -> queue $4 ..., get plain ntuple rules (ethtool 6.1 exits 0 even when
# the kernel refuses a rule, so its words are read).
vnic_steer() {
	if [ -z "$VNIC_NIC_SETUP" ]; then
		vnic_msg "no zcrx-nic-setup in $VNIC_BIN nor in $VNIC_BIN/../scripts"
		return 1
	fi
	ZCRX_NIC_SETUP_STATE=$VNIC_TMP $RXNS "$VNIC_NIC_SETUP" "$VNIC_RX" \
		"$1" "$2" >"$VNIC_TMP/nic-setup.out" 2>&1
	_rc=$?
	sed "s/^/${VNIC_PROG:-vnic}: /" "$VNIC_TMP/nic-setup.out"
	[ "$_rc" -eq 0 ] || return 1
	shift 2
	while [ $# -ge 2 ]; do
		_out=$($RXNS ethtool -N "$VNIC_RX" flow-type tcp4 \
			dst-port "$1" action "$2" 2>&1)
		case $_out in
		*"Added rule"*) ;;
		*)
			vnic_msg "ntuple rule dport $1 -> queue $2 refused: $_out"
			return 1
			;;
		esac
		shift 2
	done
}

# vB's ethtool -S into file $1.
vnic_stats() {
	$RXNS ethtool -S "$VNIC_RX" >"$1"
}

# Counter $3 in stats file $2 minus in $1 (0 if it has no such counter).
vnic_delta() {
	awk -v n="$3:" 'FNR == 1 { f++ } $1 == n { v[f] = $2 }
		END { printf "%.0f\n", v[2] - v[1] }' "$1" "$2"
}

# Field $2 (name=value) of the last summary line in file $1.
vnic_field() {
	sed -n "s|.* $2=\([^ ]*\).*|\1|p" "$1" | tail -n1
}

# Run one receiver on vB and tcp_sender against it; print the receiver's
# summary line into $1.out (its stderr into $1.err, the sender's output
# into $1.tx) and vB's counters before and after into $1.s0 and $1.s1.
# Returns non-zero if either side failed.
#   vnic_run FILE_PREFIX PORT CONNS BYTES MSG RECEIVER ARGS...
vnic_run() {
	_f=$1 _port=$2 _conns=$3 _bytes=$4 _msg=$5
	shift 5
	_host=$VNIC_RX_ADDR
	[ -n "$RXNS" ] || _host=127.0.0.1
	[ -z "$RXNS" ] || vnic_stats "$_f.s0"
	$RXNS "$@" -p "$_port" -c "$_conns" -e "$_bytes" -t 30 \
		>"$_f.out" 2>"$_f.err" &
	_rpid=$!
	"$VNIC_BIN/tcp_sender" -c "$_conns" -b "$_bytes" -s "$_msg" -w 20 \
		"$_host" "$_port" >"$_f.tx" 2>&1
	_src=$?
	wait "$_rpid"
	_rrc=$?
	[ -z "$RXNS" ] || vnic_stats "$_f.s1"
	if [ "$_src" -ne 0 ] || [ "$_rrc" -ne 0 ]; then
		vnic_msg "$1 failed: sender exit $_src, receiver exit $_rrc"
		sed 's/^/  /' "$_f.tx" "$_f.err" "$_f.out" >&2
		return 1
	fi
	return 0
}

# The receivers of vnic-bench.sh and vnic-receivers.sh, by name, each on a
# port of its own steered to an rx queue of vB (vnic has 4: queue 1 is
# the zcrx queue, the copying receivers take 2 and 3, one run at a time):
#   read       epoll_receiver -m read       read() with epoll   9001 -> 2
#   multishot  copy_receiver -m multishot   buffer ring         9002 -> 3
#   tcpzc      epoll_receiver -m tcpzc      TCP_ZEROCOPY_RECEIVE 9003 -> 2
#   single     copy_receiver                one recv at a time  9004 -> 3
#   zc-eager   zcrx_server -R eager         recv-zc, bound      9000 -> 1
#   zc-batch   zcrx_server -R batch         recv-zc, bound      9000 -> 1
# Over loopback ($RXNS empty) the recv-zc ones are NODEV (-n).
# shellcheck disable=SC2034 # for the scripts that source this
VNIC_RECEIVERS="read multishot tcpzc single zc-eager zc-batch"

# vnic_receiver NAME: VNIC_R_PORT, VNIC_R_QUEUE and VNIC_R_ARGS (the
# program and its arguments, as words) of receiver NAME; 1 if unknown.
# shellcheck disable=SC2034 # for the scripts that source this
vnic_receiver() {
	case $1 in
	read)
		VNIC_R_PORT=9001 VNIC_R_QUEUE=2
		VNIC_R_ARGS="$VNIC_BIN/epoll_receiver -m read"
		;;
	multishot)
		VNIC_R_PORT=9002 VNIC_R_QUEUE=3
		VNIC_R_ARGS="$VNIC_BIN/copy_receiver -m multishot"
		;;
	tcpzc)
		VNIC_R_PORT=9003 VNIC_R_QUEUE=2
		VNIC_R_ARGS="$VNIC_BIN/epoll_receiver -m tcpzc"
		;;
	single)
		VNIC_R_PORT=9004 VNIC_R_QUEUE=3
		VNIC_R_ARGS="$VNIC_BIN/copy_receiver -m single"
		;;
	zc-eager | zc-batch)
		VNIC_R_PORT=9000 VNIC_R_QUEUE=1
		if [ -n "$RXNS" ]; then
			VNIC_R_ARGS="$VNIC_BIN/zcrx_server -i $VNIC_RX -q 1"
		else
			VNIC_R_ARGS="$VNIC_BIN/zcrx_server -n"
		fi
		VNIC_R_ARGS="$VNIC_R_ARGS -R ${1#zc-}"
		;;
	*)
		return 1
		;;
	esac
}

# Steer the ports of every receiver above (zcrx-nic-setup for 9000).
vnic_steer_receivers() {
	vnic_steer 9000 1 9001 2 9002 3 9003 2 9004 3
}
