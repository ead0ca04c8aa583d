/* strings fixA: pick_word returns a NEW string literal (lives in the patch's
 * .rodata) and increments the program's counter.  Token "fixA-word". */
extern volatile long g_pick_count;
extern volatile int g_sink;
extern int g_word_index;

__attribute__((noinline, noipa)) const char *pick_word(int x)
{
    g_pick_count += 1;
    g_sink = x * 5 + g_word_index;
    return "fixA-word";
}
