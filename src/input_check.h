/* Inputs looked at before anything is read: an output that would overwrite
 * an input is refused, a file that cannot be a capture is named with what to
 * do about it, and the -f filter is compiled once. Every refusal is one line
 * on stderr starting "pop3scope: ". */
#ifndef POP3SCOPE_INPUT_CHECK_H
#define POP3SCOPE_INPUT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Longest message input_check_file keeps for the end-of-run record. */
#define INPUT_CHECK_REASON_MAX 160

/* False (message out) when `output` (named by its option, "-o" or
 * "--report") is the same file as an input (same device and inode, through
 * any links) or lies under a directory given as input. NULL or "-" is
 * stdout: always fine. */
bool input_check_output(const char *option, const char *output, const char *const *inputs, size_t count);

/* False (message out, also copied to `reason`) when `path` is missing,
 * unreadable, a directory, empty, or a capture format pop3scope does not
 * read (Network Monitor, snoop, Sniffer). "-" and anything that is not a
 * regular file (a pipe) pass unread: reading them would consume them. */
bool input_check_file(const char *path, char *reason, size_t reason_size);

/* The link type in a classic pcap file's header; DLT_EN10MB for pcapng,
 * stdin or anything unreadable. */
int input_check_linktype(const char *path);

/* False (message out) when `expression` does not compile for `linktype`:
 * a typo in -f is refused once, before any file is read. NULL passes. */
bool input_check_filter(const char *expression, int linktype);

#endif
