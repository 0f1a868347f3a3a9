/* Prints the manual's OPTIONS section, from the table --help is made of. */
#include "options.h"

int main(void)
{
	pgn_options_man(stdout);
	return 0;
}
