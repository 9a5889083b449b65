/* The formats built into pop3scope, one per enum output_format value;
 * output.c picks one, and nothing else names them. */
#ifndef POP3SCOPE_OUTPUT_BUILTIN_H
#define POP3SCOPE_OUTPUT_BUILTIN_H

#include "out_format.h"

extern const struct out_format output_text_format;
extern const struct out_format output_json_format;
extern const struct out_format output_csv_format;
extern const struct out_format output_ecs_format;

#endif
