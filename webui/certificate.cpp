#include "webui/certificate.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "storage/database.hpp"
#include "webui/time_text.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace ddid::webui {
namespace {

template <class T, void (*Free)(T*)>
struct deleter {
    void operator()(T* p) const { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using bn_ptr = std::unique_ptr<BIGNUM, deleter<BIGNUM, BN_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION, X509_EXTENSION_free>>;

std::string openssl_reason() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return "unknown OpenSSL error";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

[[noreturn]] void fail(const std::string& what) { throw error(what + ": " + openssl_reason()); }

std::string bio_text(BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

bool is_ip(const std::string& s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool is_dns_name(const std::string& s) {
    if (s.empty() || s.size() > 253) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return false;
    return true;
}

void add_extension(X509* x, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext) fail("cannot make the certificate extension " + value);
    if (X509_add_ext(x, ext.get(), -1) != 1) fail("cannot add the certificate extension " + value);
}

std::string read_file(const std::filesystem::path& file, const std::string& key) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw config_error(key, "cannot open " + file.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

tls_material make_self_signed(const std::string& node_name, int days) {
    const std::string cn = node_name.empty() ? "ddid" : node_name.substr(0, 64);
    pkey_ptr key(EVP_EC_gen("P-256"));
    if (!key) fail("cannot make an EC key");
    x509_ptr x(X509_new());
    if (!x) fail("cannot make a certificate");
    if (X509_set_version(x.get(), 2) != 1) fail("cannot set the certificate version");

    // A random 127-bit serial, positive and unique with overwhelming probability.
    bn_ptr serial(BN_new());
    if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get())))
        fail("cannot set the certificate serial");

    if (!X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x.get()), static_cast<long>(days) * 86400))
        fail("cannot set the certificate validity");
    if (X509_set_pubkey(x.get(), key.get()) != 1) fail("cannot set the certificate key");

    X509_NAME* name = X509_get_subject_name(x.get());
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("ddid"), -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) != 1)
        fail("cannot set the certificate subject");
    if (X509_set_issuer_name(x.get(), name) != 1) fail("cannot set the certificate issuer");

    std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
    if (!node_name.empty() && node_name != "localhost") {
        if (is_ip(node_name)) san += ",IP:" + node_name;
        else if (is_dns_name(node_name)) san += ",DNS:" + node_name;
    }
    add_extension(x.get(), NID_subject_alt_name, san);
    add_extension(x.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(x.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(x.get(), NID_ext_key_usage, "serverAuth");
    add_extension(x.get(), NID_subject_key_identifier, "hash");

    if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) fail("cannot sign the certificate");

    bio_ptr cert_bio(BIO_new(BIO_s_mem()));
    bio_ptr key_bio(BIO_new(BIO_s_mem()));
    if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), x.get()) != 1 ||
        PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        fail("cannot encode the certificate");
    return {bio_text(cert_bio.get()), bio_text(key_bio.get())};
}

tls_material load_tls_files(const std::filesystem::path& cert_file, const std::filesystem::path& key_file) {
    tls_material m{read_file(cert_file, "http.tls_cert"), read_file(key_file, "http.tls_key")};

    bio_ptr cb(BIO_new_mem_buf(m.cert_pem.data(), static_cast<int>(m.cert_pem.size())));
    x509_ptr cert(cb ? PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert)
        throw config_error("http.tls_cert", "no PEM certificate in " + cert_file.string() + " (" + openssl_reason() + ")");

    bio_ptr kb(BIO_new_mem_buf(m.key_pem.data(), static_cast<int>(m.key_pem.size())));
    pkey_ptr key(kb ? PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key)
        throw config_error("http.tls_key", "no unencrypted PEM private key in " + key_file.string() + " (" +
                                               openssl_reason() + ")");
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        throw config_error("http.tls_key", "the key in " + key_file.string() + " does not match the certificate in " +
                                               cert_file.string());
    }
    ERR_clear_error();
    return m;
}

tls_material load_or_create_certificate(storage::database& db, const std::string& node_name) {
    auto load = [](storage::connection& c) -> std::optional<tls_material> {
        auto s = c.prepare("SELECT cert_pem, key_pem FROM webui_tls WHERE id = 1");
        if (!s.step()) return std::nullopt;
        return tls_material{s.text(0), s.text(1)};
    };
    if (auto stored = db.read(load)) return *stored;
    tls_material made = make_self_signed(node_name);
    // INSERT OR IGNORE then read back: whoever stored first wins, and everyone uses that one.
    tls_material stored = db.write([&](storage::connection& c) {
        c.run("INSERT OR IGNORE INTO webui_tls (id, cert_pem, key_pem, created_at) VALUES (1, ?, ?, ?)", made.cert_pem,
              made.key_pem, unix_now_ms());
        return *load(c);
    });
    log::info("http.certificate_created", {{"cn", node_name.empty() ? "ddid" : node_name},
                                           {"sha256", certificate_fingerprint(stored.cert_pem)}});
    return stored;
}

std::string certificate_fingerprint(const std::string& cert_pem) {
    bio_ptr b(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
    x509_ptr cert(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert) {
        ERR_clear_error();
        return {};
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert.get(), EVP_sha256(), md, &n) != 1) return {};
    std::string out;
    static const char digits[] = "0123456789ABCDEF";
    for (unsigned int i = 0; i < n; ++i) {
        if (i) out += ':';
        out += digits[md[i] >> 4];
        out += digits[md[i] & 15];
    }
    return out;
}

} // namespace ddid::webui
