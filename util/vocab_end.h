/* Closes a vocabulary .def file (see vocab_begin.h). */
#undef VOCAB
#undef V
#undef VOCAB_END
#undef STS_VOCAB_ENUMS
#undef STS_VOCAB_NAMES
#undef STS_VOCAB_MEANINGS
#undef STS_VOCAB_LIST
