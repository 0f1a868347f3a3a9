#ifndef PGNETPROF_USDT_ARG_H
#define PGNETPROF_USDT_ARG_H

/*
 * Where a USDT argument lives, from its .note.stapsdt spec ("8@%rsi",
 * "-4@-20(%rbp)", "8@x1"): the byte offset in the kernel's struct pt_regs
 * of the register holding an 8-byte argument, or -1 when it is anything
 * else (memory, a constant, a narrower value, another architecture). The
 * probes then read such an argument straight from the context, without
 * libbpf's bpf_usdt_arg() look-ups (~40 ns per hit).
 */
int pgn_usdt_arg_reg_off(const char *spec);

/* The first argument's spec in a note's "args" string ("" if none). */
int pgn_usdt_first_arg_reg_off(const char *args);

#endif
