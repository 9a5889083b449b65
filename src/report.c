/* --report FILE.html (report.h): the file, the private detectors, and
 * the hand-over to the model and the page. */
#include "config.h"

#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out_writer.h"
#include "output_file.h"
#include "report_html.h"
#include "report_model.h"

struct report {
    struct report_config cfg;
    struct report_model *model;
    struct alert *alert; /* the report's own detectors, or NULL */
    FILE *file; /* the temporary file, until the end */
    char *temp_path;
    bool created; /* temp_path is this run's file, to remove on failure */
};

/* The temporary file sits in FILE's directory, so rename() replaces FILE
 * in one step; the pid keeps two runs apart. output_file_open creates it
 * 0600 and refuses a symlink, FIFO or someone else's file planted there. */
static bool report_open_file(struct report *r)
{
    size_t size = strlen(r->cfg.path) + 32;
    struct stat st;

    if (lstat(r->cfg.path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "pop3scope: --report %s: it is a directory\n", r->cfg.path);
        return false;
    }
    r->temp_path = malloc(size);
    if (r->temp_path == NULL) {
        fputs("pop3scope: out of memory for --report\n", stderr);
        return false;
    }
    snprintf(r->temp_path, size, "%s.tmp.%ld", r->cfg.path, (long)getpid());
    r->file = output_file_open(r->temp_path);
    r->created = r->file != NULL;
    return r->created;
}

struct report *report_open(const struct report_config *cfg)
{
    struct report_model_limits limits;
    struct report *r = calloc(1, sizeof *r);

    if (r == NULL) {
        fputs("pop3scope: out of memory for --report\n", stderr);
        return NULL;
    }
    r->cfg = *cfg;
    if (!report_open_file(r)) {
        report_free(r);
        return NULL;
    }
    report_model_limits_default(&limits);
    r->model = report_model_new(&limits, cfg->show_passwords);
    if (r->model != NULL && cfg->own_alerts != NULL)
        r->alert = alert_new(cfg->own_alerts, report_model_add, r->model);
    if (r->model == NULL || (cfg->own_alerts != NULL && r->alert == NULL)) {
        fputs("pop3scope: out of memory for --report (its tables and alert detectors)\n", stderr);
        report_free(r);
        return NULL;
    }
    return r;
}

void report_event(void *ctx, const struct event *ev)
{
    struct report *r = ctx;

    if (r == NULL)
        return;
    if (r->alert != NULL)
        alert_observe(r->alert, ev); /* forwards ev, then what it fired */
    else
        report_model_add(r->model, ev);
}

static const char *report_alerts_source(const struct report *r)
{
    if (r->cfg.alerts_off)
        return "Alert detectors were off (--no-alerts)";
    if (r->alert != NULL)
        return "Found by the report's own detectors (the run's alerts are off for files; --alerts puts them in the "
               "output too), with the --alert-* thresholds";
    return "The run's alerts, with the --alert-* thresholds";
}

/* Writes the page into the temporary file and makes it durable before the
 * rename, so a crash leaves the old FILE, never half a page under its name. */
static int report_write(struct report *r, uint64_t packets, uint64_t bytes)
{
    struct report_page page = { PACKAGE_VERSION,  r->cfg.inputs, r->cfg.input_count,    r->cfg.live,
                                packets,          bytes,         r->cfg.show_passwords, report_alerts_source(r),
                                r->cfg.alerts_off };
    struct out_writer w;
    int status;

    out_writer_init(&w, r->file);
    report_html_write(&w, r->model, &page);
    status = out_writer_finish(&w);
    if (status == 0 && fsync(fileno(r->file)) != 0)
        status = -1;
    if (fclose(r->file) != 0)
        status = -1;
    r->file = NULL;
    return status;
}

int report_finish(struct report *r, uint64_t packets, uint64_t bytes)
{
    if (r == NULL || r->file == NULL)
        return r == NULL ? 0 : -1;
    if (report_write(r, packets, bytes) != 0) {
        fprintf(stderr, "pop3scope: writing the report %s failed: %s\n", r->temp_path, strerror(errno));
        return -1;
    }
    /* A live run has given up root by now: a directory only root may
     * write refuses the rename. The page is whole, so it stays where it
     * is and stderr names it; hours of capture are not thrown away. */
    if (rename(r->temp_path, r->cfg.path) != 0) {
        fprintf(stderr,
                "pop3scope: cannot put the report in place as %s: %s; the page is in %s (after giving up root, the "
                "directory must be writable by the -Z user, default nobody)\n",
                r->cfg.path, strerror(errno), r->temp_path);
        r->created = false;
        return -1;
    }
    free(r->temp_path);
    r->temp_path = NULL;
    return 0;
}

void report_free(struct report *r)
{
    if (r == NULL)
        return;
    if (r->file != NULL)
        fclose(r->file);
    /* Only a file this run made: a name planted there that
     * output_file_open refused is not ours to remove. */
    if (r->created && r->temp_path != NULL)
        unlink(r->temp_path);
    alert_free(r->alert);
    report_model_free(r->model);
    free(r->temp_path);
    free(r);
}
