/* The generated references: docs/errors.md, docs/csv.md, docs/vocab.md
 * (each checked against `stsscan ...--markdown` by a test). */
#ifndef STSSCAN_DOCS_H
#define STSSCAN_DOCS_H

#include <stdbool.h>
#include <stdio.h>

#include "../scanner/core.h"

enum sts_doc_format { DOC_TEXT, DOC_MARKDOWN, DOC_JSON };

void sts_doc_errors(FILE *f, bool markdown);
void sts_doc_columns(FILE *f, const struct sts_plugins *pl, bool markdown);
void sts_doc_vocab(FILE *f, enum sts_doc_format fmt);

#endif
