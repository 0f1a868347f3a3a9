#!/usr/bin/perl
# pt-tcp-model's two stages, run by Percona Toolkit's own modules (Debian's
# percona-toolkit ships SimpleTCPDumpParser and TCPRequestAggregator but no
# longer the pt-tcp-model script), with the script's output formats:
#   pt-tcp-model.pl tcpdump HOST:PORT START,END < tcpdump.txt   (stage 1)
#   pt-tcp-model.pl requests RUN_TIME QUANTILE < sorted.txt     (stage 2)
use strict;
use warnings;
use SimpleTCPDumpParser;
use TCPRequestAggregator;

my ($type, @args) = @ARGV;
my $next_event = sub { return <STDIN>; };
my $tell = sub { return tell STDIN; };
my $parser;
if ($type eq 'tcpdump') {
	$parser = SimpleTCPDumpParser->new(watch => $args[0]);
} else {
	$parser = TCPRequestAggregator->new(interval => $args[0], quantile => $args[1]);
}
my ($ts, $end) = split /,/, ($args[1] // 'ts,end');
while (my $e = $parser->parse_event(next_event => $next_event, tell => $tell, oktorun => sub { 1 })) {
	if ($type eq 'tcpdump') {
		printf "%6d %.6f %.6f %9.6f %s:%s\n", $e->{id}, $e->{$ts}, $e->{$end},
			$e->{$end} - $e->{$ts}, $e->{host}, $e->{port};
	} else {
		printf "%s %5.2f %9.3f %5d %5d %.6f %.6f %.6f %.6f %.6f %.6f\n",
			@{$e}{qw(ts concurrency throughput arrivals completions busy_time
				weighted_time sum_time variance_mean quantile_time obs_time)};
	}
}
