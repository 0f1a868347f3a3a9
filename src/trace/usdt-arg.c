/* Where a USDT argument lives (see usdt-arg.h). */
#include <stdlib.h>
#include <string.h>

#include "usdt-arg.h"

/* Register names in the order of the kernel's struct pt_regs. */
#if defined(__x86_64__)
static const char *const regs[] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10",
	"r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi",
};
#define REG_PREFIX "%"
#elif defined(__aarch64__)
static const char *const regs[] = {
	"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10",
	"x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20",
	"x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30",
};
#define REG_PREFIX ""
#else
static const char *const regs[] = { NULL };	/* none known: libbpf reads them all */
#define REG_PREFIX ""
#endif

int pgn_usdt_arg_reg_off(const char *spec)
{
	const char *at = strchr(spec, '@'), *name;
	long size = strtol(spec, NULL, 10);

	if (!at || (size != 8 && size != -8) || strncmp(at + 1, REG_PREFIX, strlen(REG_PREFIX)))
		return -1;
	name = at + 1 + strlen(REG_PREFIX);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (regs[i] && !strcmp(name, regs[i]))
			return (int)(i * 8);
	return -1;
}

int pgn_usdt_first_arg_reg_off(const char *args)
{
	char first[64];
	size_t n = strcspn(args, " ");

	if (n == 0 || n >= sizeof(first))
		return -1;
	memcpy(first, args, n);
	first[n] = 0;
	return pgn_usdt_arg_reg_off(first);
}
