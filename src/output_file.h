/* pop3scope: the -o file. It holds credentials, so it is opened only if
 * nobody else can reach it, and reopened in place on SIGHUP. */
#ifndef POP3SCOPE_OUTPUT_FILE_H
#define POP3SCOPE_OUTPUT_FILE_H

#include <stdio.h>

/* Creates or empties path (mode 0600) for writing; NULL, with the reason
 * on stderr, if it is not safe to write. */
FILE *output_file_open(const char *path);

/* A file run read nothing at all: removes the file at path when it is
 * still the empty file opened on stream, so no empty output is left to
 * pass for a capture without logins. The caller still closes stream. */
void output_file_discard(const char *path, FILE *stream);

/* SIGHUP (log rotation): stream, opened on path by output_file_open, goes
 * on in the file now at path. On any problem it stays on the old file and
 * stderr says so. */
void output_file_reopen(const char *path, FILE *stream);

#endif
