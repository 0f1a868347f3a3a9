/* log2 histograms, printed like bcc's tools so their users read them at once. */
#include <string.h>

#include "hist.h"

unsigned pgn_hist_slot(uint64_t v)
{
	return v ? 63 - __builtin_clzll(v) : 0;
}

void pgn_hist_add(struct pgn_hist *h, uint64_t v)
{
	h->slots[pgn_hist_slot(v)]++;
	h->count++;
	h->sum += v;
}

static void stars(FILE *f, uint64_t v, uint64_t max, int width)
{
	int n = max ? (int)((v < max ? v : max) * width / max) : 0;

	for (int i = 0; i < width; i++)
		fputc(i < n ? '*' : ' ', f);
	if (v > max)
		fputc('+', f);
}

void pgn_hist_print(FILE *f, const struct pgn_hist *h, const char *unit)
{
	int last = -1, wide, width;
	uint64_t max = 0, low, high;

	for (int i = 0; i < PGN_HIST_SLOTS; i++) {
		if (h->slots[i])
			last = i;
		if (h->slots[i] > max)
			max = h->slots[i];
	}
	if (last < 0)
		return;
	wide = last > 32;	/* values beyond 2^32 need wider columns */
	width = wide ? 20 : 10;
	fprintf(f, "%*s%-*s : count    distribution\n", wide ? 15 : 5, "", wide ? 29 : 19, unit);
	for (int i = 0; i <= last; i++) {
		low = i ? 1ULL << i : 0;
		high = i < 63 ? (2ULL << i) - 1 : UINT64_MAX;
		fprintf(f, "%*llu -> %-*llu : %-8llu |", width, (unsigned long long)low, width,
			(unsigned long long)high, (unsigned long long)h->slots[i]);
		stars(f, h->slots[i], max, wide ? 20 : 40);
		fputs("|\n", f);
	}
}
