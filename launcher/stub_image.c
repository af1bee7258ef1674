/* SPDX-License-Identifier: MIT */
/* stub_image.c — see stub_image.h. The stub binary is pulled in with .incbin at build time. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/stub_image.h"

#ifndef AIGATE_STUB_BIN
#error "AIGATE_STUB_BIN must name the built deny stub (the Makefile sets it)"
#endif

__asm__(".section .rodata\n"
	".balign 16\n"
	"aigate_stub_start:\n"
	".incbin \"" AIGATE_STUB_BIN "\"\n"
	"aigate_stub_end:\n"
	".balign 8\n"
	"aigate_stub_size:\n"
	".quad aigate_stub_end - aigate_stub_start\n"
	".previous\n");

extern const char aigate_stub_start[] __asm__("aigate_stub_start");
extern const uint64_t aigate_stub_size __asm__("aigate_stub_size");

#define STUB_MARKER	  "@@AIGATE-DENY-STUB-MESSAGE@@"
#define STUB_MESSAGE_SIZE 512

int stub_image_make(const char *msg, char **ret_image, size_t *ret_size)
{
	static size_t off = SIZE_MAX; /* found once per process */
	size_t size = (size_t)aigate_stub_size, mlen = strlen(STUB_MARKER);
	char *img;

	if (off == SIZE_MAX) {
		const char *at = memmem(aigate_stub_start, size, STUB_MARKER, mlen);
		if (at && (size_t)(at - aigate_stub_start) + STUB_MESSAGE_SIZE <= size)
			off = (size_t)(at - aigate_stub_start);
	}
	if (off == SIZE_MAX)
		return -EBADMSG;
	img = malloc(size);
	if (!img)
		return -ENOMEM;
	memcpy(img, aigate_stub_start, size);
	char *area = img + off;
	size_t n = strlen(msg);
	if (n > STUB_MESSAGE_SIZE - 2)
		n = STUB_MESSAGE_SIZE - 2;
	memset(area, 0, STUB_MESSAGE_SIZE);
	memcpy(area, msg, n);
	if (n == 0 || area[n - 1] != '\n')
		area[n] = '\n';
	*ret_image = img;
	*ret_size = size;
	return 0;
}
