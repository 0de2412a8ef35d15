/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOU_RECV_ZC_H
#define IOU_RECV_ZC_H

int io_recvzc_prep(struct io_kiocb *req, const struct io_uring_sqe *sqe);
int io_recvzc(struct io_kiocb *req, unsigned int issue_flags);

#endif
