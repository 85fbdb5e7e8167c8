/* SPDX-License-Identifier: MIT */
/* One output layer: commands build json-c documents; this prints them either as
 * JSON (-j, -p) or as iproute2-style text lines, so the two never diverge. */
#ifndef SLUICE_OUTPUT_H
#define SLUICE_OUTPUT_H

#include <json-c/json.h>

void output_init(int json, int pretty);
int output_is_json(void);
/* Print DOC (an object or an array of objects) and release it. */
void output_print(json_object *doc);
/* A long array printed as it is made (fdb show of 10k entries): each item goes through the
 * same renderer as output_print's; pretty JSON is still collected and printed at the end. */
void output_stream_begin(void);
void output_stream_item(json_object *item);	/* takes ITEM */
void output_stream_end(void);
/* Shorthands for building documents. */
void jadd_str(json_object *o, const char *key, const char *val);
void jadd_int(json_object *o, const char *key, int64_t val);
void jadd_bool(json_object *o, const char *key, int val);

#endif
