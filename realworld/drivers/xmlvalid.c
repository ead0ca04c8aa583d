/* A long-running libxml2 user: parses each request with DTD validation and
 * answers whether it is well-formed and valid, and its root element. */
#include "serve.h"
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>

static void quiet(void *ctx, xmlErrorPtr err) { (void)ctx; (void)err; }

static void handle(const unsigned char *in, size_t len, char *out, size_t outsz)
{
    xmlSetStructuredErrorFunc(NULL, quiet);
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
