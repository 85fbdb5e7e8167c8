// SPDX-License-Identifier: MIT
/* `sluice -batch FILE|-`: `sluice save` lines applied in order; the first failure stops it,
 * names its line and puts the instance back (its adds undone, then a save snapshot's lines). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

#define BATCH_WORDS	64

struct batch_line {
	int lineno;
	int argc;
	char *argv[BATCH_WORDS + 1];
};

/* Split LINE in place on blanks; "double quotes" keep blanks; # starts a comment. */
static int words_split(char *line, struct batch_line *bl)
{
	char *s = line;

	bl->argc = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			break;
		if (bl->argc == BATCH_WORDS)
			return -E2BIG;
		if (*s == '"') {
			bl->argv[bl->argc++] = ++s;
			while (*s && *s != '"')
				s++;
			if (!*s)
				return -EINVAL;
		} else {
			bl->argv[bl->argc++] = s;
			while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
				s++;
		}
		if (!*s)
			break;
		*s++ = '\0';
	}
	bl->argv[bl->argc] = NULL;
	return 0;
}

/* The command that takes back what BL made, in UNDO (NULL-terminated); 0 if none. */
static int undo_of(const struct batch_ops *ops, const struct batch_line *bl, char **undo)
{
	const char *obj = ops->object_name(bl->argv[0]);
	char *const *a = bl->argv;
	int n = 0;

	if (obj && !strcmp(obj, "nat") && bl->argc >= 4 && matches(a[1], "publish") &&
	    matches(a[2], "add")) {	/* nat publish add RULE proto P port X to ... */
		undo[n++] = "nat";
		undo[n++] = "publish";
		undo[n++] = "del";
		undo[n++] = a[3];
		for (int i = 4; i + 1 < bl->argc; i++)
			if (!strcmp(a[i], "proto") || !strcmp(a[i], "port")) {
				undo[n++] = a[i];
				undo[n++] = a[++i];
			}
		undo[n] = NULL;
		return n == 8 ? n : 0;
	}
	if (!obj || bl->argc < 3 || !matches(a[1], "add"))
		return 0;
	undo[n++] = (char *)obj;
	undo[n++] = "del";
	if (!strcmp(obj, "switch") || !strcmp(obj, "nat")) {
		undo[n++] = a[2];
	} else if (!strcmp(obj, "port") && bl->argc >= 4) {
		undo[n++] = a[3];
	} else if (!strcmp(obj, "vlan") && bl->argc >= 4) {
		undo[n++] = a[2];
		undo[n++] = a[3];
	} else if (!strcmp(obj, "fdb") && bl->argc >= 4) {
		undo[n++] = a[2];
		undo[n++] = a[3];
		for (int i = 4; i + 1 < bl->argc; i++)
			if (!strcmp(a[i], "vlan")) {
				undo[n++] = "vlan";
				undo[n++] = a[i + 1];
			}
	} else {
		return 0;
	}
	undo[n] = NULL;
	return n;
}

static int run_one(const struct batch_ops *ops, const char *instance, int argc, char **argv);

/* The command lines of a save text (comments and blanks out), split in place on '\n'. */
static int text_lines(char *text, char ***out)
{
	char **v = NULL, *save = NULL;
	int n = 0;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char **nv;

		if (*l == '#' || !*l)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n++] = l;
	}
	*out = v;
	return n;
}

static bool line_in(const char *l, char **v, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(l, v[i]))
			return true;
	return false;
}

/* Run save line L (a copy is split); UNDO: run the command that deletes its object. */
static int line_run(const struct batch_ops *ops, const char *instance, const char *l,
		    bool undo)
{
	struct batch_line bl = { 0 };
	char *copy = strdup(l), *u[12];
	int ret = -1, k;

	if (copy && words_split(copy, &bl) == 0 && bl.argc) {
		if (!undo)
			ret = run_one(ops, instance, bl.argc, bl.argv);
		else if ((k = undo_of(ops, &bl, u)))
			ret = run_one(ops, instance, k, u);
	}
	free(copy);
	return ret;
}

/* A changed switch line is left alone: deleting the switch would take its CNI-made ports,
 * which no save holds. */
static bool is_switch_line(const char *l)
{
	return !strncmp(l, "switch ", 7);
}

/* After a failed batch: the instance back to SNAP (a save text). Objects the batch added or
 * changed are deleted, then SNAP's lines that are missing are run again; a last save shows
 * what could not be put back. */
static void snapshot_restore(const struct batch_ops *ops, const char *instance, char *snap)
{
	char **s = NULL, **cur = NULL, *text = NULL;
	int ns = text_lines(snap, &s), nc, left = 0;

	if (save_to_memory(instance, &text) == 0) {
		nc = text_lines(text, &cur);
		for (int i = nc - 1; i >= 0; i--)	/* dependents first */
			if (!line_in(cur[i], s, ns) && !is_switch_line(cur[i]))
				line_run(ops, instance, cur[i], true);
		free(cur);
		free(text);
		text = NULL;
	}
	if (save_to_memory(instance, &text) == 0) {
		nc = text_lines(text, &cur);
		for (int i = 0; i < ns; i++)
			if (!line_in(s[i], cur, nc))
				line_run(ops, instance, s[i], false);
		free(cur);
		free(text);
		text = NULL;
	}
	if (save_to_memory(instance, &text) == 0) {
		nc = text_lines(text, &cur);
		for (int i = 0; i < ns; i++)
			if (!line_in(s[i], cur, nc) && ++left)
				errf("-batch: not restored: %s", s[i]);
		for (int i = 0; i < nc; i++)
			if (!line_in(cur[i], s, ns) && ++left)
				errf("-batch: left changed: %s", cur[i]);
		free(cur);
	} else {
		left = 1;
		errf("-batch: cannot read instance %s back after the rollback", instance);
	}
	if (!left)
		errf("-batch: instance %s is as it was before the batch", instance);
	free(text);
	free(s);
}

static int run_one(const struct batch_ops *ops, const char *instance, int argc, char **argv)
{
	struct ctl c = { .instance = instance, .lock_fd = -1 };
	int ret = ops->dispatch(&c, argc, argv);

	instance_close(&c);
	return ret;
}

static int lines_read(const struct batch_ops *ops, FILE *f, const char *name,
		      struct batch_line **out, char ***bufs)
{
	struct batch_line *bl = NULL;
	char *line = NULL, **keep = NULL;
	size_t cap = 0;
	int n = 0, lineno = 0;

	while (getline(&line, &cap, f) >= 0) {
		struct batch_line one = { .lineno = ++lineno };
		int e = words_split(line, &one);

		if (e) {
			errf("-batch %s:%d: %s", name, lineno, e == -E2BIG ? "too many words" :
			    "unterminated quote");
			goto fail;
		}
		if (!one.argc) {
			free(line);
			line = NULL;
			cap = 0;
			continue;
		}
		if (!ops->object_name(one.argv[0])) {
			errf("-batch %s:%d: unknown object \"%s\"", name, lineno, one.argv[0]);
			goto fail;
		}
		bl = realloc(bl, (n + 1) * sizeof(*bl));
		keep = realloc(keep, (n + 1) * sizeof(*keep));
		if (!bl || !keep) {
			errf("-batch: out of memory");
			goto fail;
		}
		bl[n] = one;
		keep[n++] = line;	/* the words point into it */
		line = NULL;
		cap = 0;
	}
	free(line);
	*out = bl;
	*bufs = keep;
	return n;
fail:
	free(line);
	for (int i = 0; i < n; i++)
		free(keep[i]);
	free(keep);
	free(bl);
	return -1;
}

int batch_run(struct ctl *c, const char *file, const struct batch_ops *ops)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	const char *name = strcmp(file, "-") ? file : "stdin";
	struct batch_line *bl;
	char **bufs, *undo[12], *snap = NULL;
	int n, i, ret = 0;

	if (!f)
		return errf("-batch %s: %s", file, strerror(errno));
	n = lines_read(ops, f, name, &bl, &bufs);	/* all of it first: a bad word changes nothing */
	if (f != stdin)
		fclose(f);
	if (n < 0)
		return -1;
	/* What the instance was, to put back what del, set and timeouts lines change. */
	if (save_to_memory(c->instance, &snap))
		errf("-batch: cannot take a snapshot of instance %s first: if a line fails, only "
		    "the add lines before it are undone", c->instance);
	for (i = 0; i < n; i++)
		if (run_one(ops, c->instance, bl[i].argc, bl[i].argv))
			break;
	if (i < n) {
		int undone = 0;

		errf("-batch %s:%d: \"%s %s\" failed; undoing the %d line(s) before it", name,
		    bl[i].lineno, bl[i].argv[0], bl[i].argc > 1 ? bl[i].argv[1] : "", i);
		while (i-- > 0) {
			int k = undo_of(ops, &bl[i], undo);

			if (k && run_one(ops, c->instance, k, undo) == 0)
				undone++;
		}
		if (snap)
			snapshot_restore(ops, c->instance, snap);
		ret = -1;
	}
	free(snap);
	for (i = 0; i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(bl);
	return ret;
}
