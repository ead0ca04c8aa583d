/* strings fixC (on top of fixA): pick_word returns the program's own string
 * g_words[2] (read through the program's pointer table).  Token "gamma". */
extern const char *const g_words[];
extern volatile long g_pick_count;
extern volatile int g_sink;

__attribute__((noinline, noipa)) const char *pick_word(int x)
{
    g_pick_count += 1;
    g_sink = x * 7;
    return g_words[2];
}
