/* SPDX-License-Identifier: MIT */
/* stub_image.h — the deny stub program, embedded in aigate, patched per rule. */
#ifndef AIGATE_STUB_IMAGE_H
#define AIGATE_STUB_IMAGE_H

#include <stddef.h>

/**
 * stub_image_make() - a malloc'd copy of the deny stub executable that prints
 * @msg (cut to fit its 511-byte area, always ending in a newline) and exits
 * 126. Returns 0, -ENOMEM, or -EBADMSG if the embedded stub lacks its marker.
 */
int stub_image_make(const char *msg, char **ret_image, size_t *ret_size);

#endif
