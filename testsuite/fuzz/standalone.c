/*
 * standalone.c - runs the pass-1 fuzz entry point over files named on
 * the command line, for builds without libFuzzer (the ThreadSanitizer
 * build of the tsan group).  Exit status 1 if a file cannot be read.
 */
#include "sonde.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		size_t len;
		char *text = read_file(argv[i], &len);
		if (!text) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)text, len);
		free(text);
	}
	return status;
}
