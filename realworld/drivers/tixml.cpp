// A long-running TinyXML (C++) user: parses each request and answers with the
// root element and its child count, or TinyXML's error and its location.
#include "serve.h"
#include <tinyxml.h>
#include <cstdio>
#include <cstdlib>
#include <string>

static void handle(const unsigned char *in, size_t len, char *out, size_t outsz)
{
    std::string text(reinterpret_cast<const char *>(in), len);
    TiXmlDocument doc;
    doc.Parse(text.c_str(), nullptr, TIXML_ENCODING_UTF8);
    if (doc.Error()) {
        std::snprintf(out, outsz, "error id=%d row=%d col=%d", doc.ErrorId(), doc.ErrorRow(), doc.ErrorCol());
        return;
    }
    const TiXmlElement *root = doc.RootElement();
    int children = 0;
    for (const TiXmlNode *c = root ? root->FirstChild() : nullptr; c; c = c->NextSibling()) children++;
    std::snprintf(out, outsz, "ok root=%s children=%d", root ? root->Value() : "-", children);
}

int main(int argc, char **argv)
{
    return rw_serve(argc > 1 ? std::atoi(argv[1]) : 0, handle);
}
