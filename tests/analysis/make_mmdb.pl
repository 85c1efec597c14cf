#!/usr/bin/perl
# Build the small MaxMind DB files of the analysis tests (nothing is downloaded):
#   make_mmdb.pl OUTDIR   -> OUTDIR/country.mmdb (GeoLite2-Country layout: country.iso_code,
#                            registered_country.iso_code) and OUTDIR/asn.mmdb (GeoLite2-ASN
#                            layout: autonomous_system_number, autonomous_system_organization)
# The lab and the fixtures use 127.0.0.0/8 only, so ranges of it stand for made-up countries
# and ASNs. MaxMind::DB::Writer drops reserved networks (127/8 among them) unless told not to.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift or die "usage: make_mmdb.pl OUTDIR\n";
my %types = (
    country => 'map', registered_country => 'map', iso_code => 'utf8_string',
    names => 'map', en => 'utf8_string',
    autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
);

sub tree {
    my ($type) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version => 6, record_size => 24, database_type => $type, languages => ['en'],
        description => { en => "stsscan test fixture ($type)" },
        remove_reserved_networks => 0,
        map_key_type_callback => sub { $types{ $_[0] } // die "no type for $_[0]\n" },
    );
}

sub write_db {
    my ($tree, $path) = @_;
    open my $fh, '>:raw', $path or die "$path: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$path: $!\n";
}

my $c = tree('GeoLite2-Country');
$c->insert_network('127.0.25.0/24', { country => { iso_code => 'JP', names => { en => 'Japan' } } });
$c->insert_network('127.0.26.0/24', { country => { iso_code => 'DE' } });
$c->insert_network('127.0.27.0/24', { country => { iso_code => 'NA' } });     # Namibia: "NA" is a code
$c->insert_network('127.0.28.0/24', { registered_country => { iso_code => 'FR' } }); # no country
$c->insert_network('127.0.80.0/24', { country => { iso_code => 'SE' } });
write_db($c, "$out/country.mmdb");

my $a = tree('GeoLite2-ASN');
$a->insert_network('127.0.25.0/24', { autonomous_system_number => 64500,
                                      autonomous_system_organization => 'Example Mail JP' });
$a->insert_network('127.0.26.0/24', { autonomous_system_number => 64501,
                                      autonomous_system_organization => 'Beispiel Hosting' });
$a->insert_network('127.0.27.0/24', { autonomous_system_number => 64502,
                                      autonomous_system_organization => 'Namib Net' });
$a->insert_network('127.0.80.0/24', { autonomous_system_number => 64503,
                                      autonomous_system_organization => 'Lab Web' });
write_db($a, "$out/asn.mmdb");
print "make_mmdb.pl: wrote $out/country.mmdb and $out/asn.mmdb\n";
