#include "../stopwin/main.c"
