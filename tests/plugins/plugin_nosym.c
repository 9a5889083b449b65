/* A shared object that is no pop3scope plugin: it lacks the entry point. */
int plugin_nosym_marker(void);

int plugin_nosym_marker(void)
{
    return 42;
}
