/* Runs pgnetprof's interval model on pt-tcp-model first-stage lines
 * ("id start end elapsed IP:port") from stdin, so the test can compare it
 * with Percona's own second stage on the very same input.
 * Usage: model-replay INTERVAL QUANTILE < requests */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

static void print(const struct pgn_model_interval *iv, void *ctx)
{
	(void)ctx;
	pgn_model_print(stdout, iv);
}

int main(int argc, char **argv)
{
	struct pgn_model m;
	char line[512];
	double start, end, elapsed;

	if (argc != 3)
		return 2;
	pgn_model_init(&m, atof(argv[1]), atof(argv[2]));
	m.on_interval = print;
	while (fgets(line, sizeof(line), stdin))
		if (sscanf(line, "%*s %lf %lf %lf", &start, &end, &elapsed) == 3)
			pgn_model_add(&m, start, end, elapsed, NULL);
	pgn_model_finish(&m);
	pgn_model_free(&m);
	return m.failed;
}
