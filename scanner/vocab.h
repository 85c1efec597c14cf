/* The scanner's shared vocabularies (scanner/vocab.def): enums and names. */
#ifndef STSSCAN_SCANNER_VOCAB_H
#define STSSCAN_SCANNER_VOCAB_H

#define STS_VOCAB_ENUMS
#include "vocab.def"

#endif
