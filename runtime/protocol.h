/*
 * protocol.h: what a sonde module and the sonde-run loader agree on.
 *
 * Shared by the kernel runtime (runtime/transport.c, runtime/lifecycle.c)
 * and by the user-space loader (src/sonde-run.c), so it uses only the
 * fixed-width types of <linux/types.h> and plain macros.  The full
 * description of the protocol is in doc/runtime.md.
 *
 * Files: /proc/sonde_<module>/data and /proc/sonde_<module>/ctl.
 *
 * data: read-only.  A read returns whole frames, in sequence order: a
 *   struct sonde_frame followed by len bytes of text, padded with zero
 *   bytes to a multiple of SONDE_FRAME_ALIGN.  Read returns 0 (end of
 *   file) once the session has stopped and every frame has been read.
 *
 * ctl: written by the loader with one command per write ("start",
 *   "stop"); read by the loader as newline-terminated event lines
 *   ("running", "exit", "stats NAME=VALUE...", "warning TEXT",
 *   "stopped").
 */
#ifndef SONDE_PROTOCOL_H
#define SONDE_PROTOCOL_H

#include <linux/types.h>

#define SONDE_PROC_PREFIX "sonde_"   /* + module name: the procfs directory */
#define SONDE_FRAME_ALIGN 8

/* Kinds of frame on the data file. */
enum sonde_frame_type {
	SONDE_FRAME_OUTPUT = 1,   /* script output: copy to the output file */
	SONDE_FRAME_WARNING = 2,  /* one warning message, no newline */
	SONDE_FRAME_ERROR = 3,    /* one error message, no newline */
};

/*
 * Header of one frame.  seq numbers the frames of a session from 1 in
 * commit order over all CPUs; frames dropped for lack of buffer space
 * take no number, so the loader sees 1, 2, 3... without gaps.
 */
struct sonde_frame {
	__u32 len;     /* text bytes after the header, padding excluded */
	__u16 type;    /* enum sonde_frame_type */
	__u16 cpu;     /* the CPU whose probe committed it (bulk files) */
	__u64 seq;
};

/* Bytes a frame of len text bytes occupies, header and padding included. */
#define SONDE_FRAME_SIZE(len) \
	(sizeof(struct sonde_frame) + \
	 (((len) + SONDE_FRAME_ALIGN - 1) & ~(__u32)(SONDE_FRAME_ALIGN - 1)))

/* Largest text of one frame: the per-CPU staging buffer. */
#define SONDE_STAGE_SIZE 8192

/* Module parameters every sonde module has (set by the loader). */
#define SONDE_PARAM_BUFSIZE "sonde_bufsize"   /* output buffer, MB in all */
#define SONDE_PARAM_BUFSIZE_KB "sonde_bufsize_kb" /* the same in KB, if set */
#define SONDE_PARAM_TARGET "sonde_target"     /* target process id */
/* Bulk: sonde_bufsize is per CPU, and data returns each CPU's frames in
 * order without merging the CPUs into one sequence. */
#define SONDE_PARAM_BULK "sonde_bulk"
/* Flight recorder: a full ring forgets its oldest frames instead of
 * dropping new ones, and data returns nothing until the session has
 * stopped, then the frames retained. */
#define SONDE_PARAM_FLIGHT "sonde_flight"

#endif /* SONDE_PROTOCOL_H */
