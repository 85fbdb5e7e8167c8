// SPDX-License-Identifier: MIT
/* Replays saved fuzz inputs through a harness without libFuzzer, for `make test`:
 * every file of the directories given is one input, one "ok" line each (a crash aborts). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *name, const char *path)
{
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		printf("FAIL fuzz_%s %s: cannot open\n", name, path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	int fails = 0, count = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s NAME DIR...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 2; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;
		char path[4096];

		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			fails += replay_file(argv[1], path);
			count++;
		}
		if (d)
			closedir(d);
	}
	/* One line for the whole set: a crash never gets here, and run.sh reports that. */
	printf("%s fuzz_%s_replays_%d_saved_inputs\n", fails ? "FAIL" : "ok", argv[1], count);
	return fails ? 1 : 0;
}
