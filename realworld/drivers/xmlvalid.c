/* A long-running libxml2 user. A request is a document, which it parses with
 * DTD validation, answering whether it is well-formed and valid and its root
 * element; or "match PATTERN\n" and a document, which it answers with how
 * many element nodes the compiled pattern (xmlPatterncompile) matches. */
#include "serve.h"
#include <libxml/parser.h>
#include <libxml/pattern.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet(void *ctx, xmlErrorPtr err) { (void)ctx; (void)err; }

static int count_matches(xmlPatternPtr pat, xmlNodePtr node)
{
    int n = 0;
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE) continue;
        n += xmlPatternMatch(pat, node) == 1;
        n += count_matches(pat, node->children);
    }
    return n;
}

static void match(const unsigned char *in, size_t len, char *out, size_t outsz)
{
    const unsigned char *nl = memchr(in, '\n', len);
    if (!nl) { snprintf(out, outsz, "bad request"); return; }
    xmlChar *expr = xmlStrndup(in + 6, (int)(nl - in - 6));
    xmlPatternPtr pat = expr ? xmlPatterncompile(expr, NULL, 0, NULL) : NULL;
    xmlDocPtr doc = xmlReadMemory((const char *)nl + 1, (int)(len - (size_t)(nl + 1 - in)), "m.xml", NULL,
                                  XML_PARSE_NONET);
    if (!pat) snprintf(out, outsz, "bad pattern");
    else if (!doc) snprintf(out, outsz, "malformed");
    else snprintf(out, outsz, "matches %d", count_matches(pat, doc->children));
    if (doc) xmlFreeDoc(doc);
    if (pat) xmlFreePattern(pat);
    xmlFree(expr);
}

static void handle(const unsigned char *in, size_t len, char *out, size_t outsz)
{
    xmlSetStructuredErrorFunc(NULL, quiet);
    if (len > 6 && memcmp(in, "match ", 6) == 0) {
        match(in, len, out, outsz);
        return;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) { snprintf(out, outsz, "nomem"); return; }
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, (const char *)in, (int)len, "request.xml", NULL,
                                      XML_PARSE_DTDVALID | XML_PARSE_NONET);
    if (!doc) snprintf(out, outsz, "malformed");
    else {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        snprintf(out, outsz, "%s root=%s", ctxt->valid ? "valid" : "invalid",
                 root ? (const char *)root->name : "-");
        xmlFreeDoc(doc);
    }
    xmlFreeParserCtxt(ctxt);
}

int main(int argc, char **argv)
{
    xmlInitParser();
    return rw_serve(argc > 1 ? atoi(argv[1]) : 0, handle);
}
