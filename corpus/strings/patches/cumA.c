/* strings cumA (original or fixA underneath): pick_word returns another new
 * literal and bumps the program's counter.  Token "cumA-word". */
extern volatile long g_pick_count;
extern volatile int g_sink;
extern int g_tag_num;

__attribute__((noinline, noipa)) const char *pick_word(int x)
{
    g_pick_count += 2;
    g_sink = x + g_tag_num;
    return "cumA-word";
}
