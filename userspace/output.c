// SPDX-License-Identifier: MIT
/* Renders command results as JSON or as text: one line per object, the first
 * field bare and the rest as "key value"; zero counters of nested objects are hidden. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ctl.h"
#include "output.h"

static int out_json, out_pretty;

void output_init(int json, int pretty)
{
	out_json = json || pretty;
	out_pretty = pretty;
}

int output_is_json(void)
{
	return out_json;
}

void jadd_str(json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val ? val : ""));
}

void jadd_int(json_object *o, const char *key, int64_t val)
{
	json_object_object_add(o, key, json_object_new_int64(val));
}

void jadd_bool(json_object *o, const char *key, int val)
{
	json_object_object_add(o, key, json_object_new_boolean(val));
}

static void print_value(json_object *v, int nested);

static int object_has_nonzero(json_object *o)
{
	json_object_object_foreach(o, key, val) {
		(void)key;
		if (json_object_get_type(val) != json_type_int || json_object_get_int64(val))
			return 1;
	}
	return 0;
}

static void print_object(json_object *o, int nested)
{
	int first = 1;

	json_object_object_foreach(o, key, val) {
		enum json_type t = json_object_get_type(val);

		if (nested && t == json_type_int && json_object_get_int64(val) == 0)
			continue;
		if (t == json_type_object && !object_has_nonzero(val))
			continue;
		if (t == json_type_string && !*json_object_get_string(val))
			continue;
		if (t == json_type_array && !json_object_array_length(val))
			continue;
		if (!first)
			putchar(' ');
		if (!(first && !nested))
			printf("%s ", key);
		first = 0;
		print_value(val, 1);
	}
}

static void print_value(json_object *v, int nested)
{
	switch (json_object_get_type(v)) {
	case json_type_object:
		printf("{ ");
		print_object(v, nested);
		printf(" }");
		break;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			printf("%s%s", i ? "," : "",
			       json_object_get_string(json_object_array_get_idx(v, i)));
		break;
	case json_type_boolean:
		printf("%s", json_object_get_boolean(v) ? "yes" : "no");
		break;
	default:
		printf("%s", json_object_get_string(v));
	}
}

void output_print(json_object *doc)
{
	if (out_json) {
		int flags = out_pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
				       : JSON_C_TO_STRING_PLAIN;

		puts(json_object_to_json_string_ext(doc, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (json_object_is_type(doc, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(doc); i++) {
			print_object(json_object_array_get_idx(doc, i), 0);
			putchar('\n');
		}
	} else {
		print_object(doc, 0);
		putchar('\n');
	}
	json_object_put(doc);
}

static json_object *stream_doc;	/* pretty JSON: the array being collected */
static size_t stream_n;

void output_stream_begin(void)
{
	stream_n = 0;
	if (out_json && out_pretty)
		stream_doc = json_object_new_array();
	else if (out_json)
		putchar('[');
}

void output_stream_item(json_object *item)
{
	if (stream_doc) {
		json_object_array_add(stream_doc, item);
		return;
	}
	if (out_json) {
		fputs(stream_n ? "," : "", stdout);
		fputs(json_object_to_json_string_ext(item, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	} else {
		print_object(item, 0);
		putchar('\n');
	}
	stream_n++;
	json_object_put(item);
}

void output_stream_end(void)
{
	if (stream_doc) {
		output_print(stream_doc);
		stream_doc = NULL;
	} else if (out_json) {
		puts("]");
	}
}

int errf(const char *fmt, ...)
{
	va_list ap;

	fputs("sluice: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}
