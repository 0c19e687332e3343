// The TVMScript text form of loom IR: include this for the parser, the printer and
// ParseError.
#pragma once

#include "loom/script/parse_error.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"
