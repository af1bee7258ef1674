/* SPDX-License-Identifier: MIT */
/* blob_map.c — map the launcher's sealed policy memfd read-only (supervisor and shim side). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "policy/blob.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

int policy_blob_map_fd(int fd, struct policy_blob *ret)
{
	const int required = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	struct stat st;
	void *map;
	int seals, r;

	/*
	 * Only a fully sealed memfd is trusted: without F_SEAL_WRITE whoever
	 * still holds a writable fd could change rules after we validated
	 * them; without SHRINK a truncation would turn reads into SIGBUS.
	 */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return -errno;
	if ((seals & required) != required)
		return -EPERM;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || (uint64_t)st.st_size > POLICY_BLOB_MAX)
		return -EBADMSG;
	/* MAP_SHARED of a write-sealed memfd: the kernel refuses to ever make it writable. */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	r = policy_blob_open(map, (size_t)st.st_size, ret);
	if (r < 0)
		munmap(map, (size_t)st.st_size);
	return r;
}
