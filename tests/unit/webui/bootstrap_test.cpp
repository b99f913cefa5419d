#include "test_env.hpp"

#include "webui/certificate.hpp"
#include "webui/password.hpp"
#include "webui/users.hpp"

#include <doctest/doctest.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>

using namespace ddid::webui;
using namespace ddid::webui::testing;

namespace {

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::string s;
    std::getline(in, s);
    return s;
}

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st{};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

std::string admin_hash(ddid::storage::database& db) {
    return db.read([](ddid::storage::connection& c) { return users::find(c, "admin"); })->password_hash;
}

} // namespace

TEST_CASE("first start creates admin with a random password in a 0600 file, once") {
    temp_dir dir;
    auto db = open_database(dir.path());
    const auto password = ensure_admin(*db, dir.path(), test_iterations);
    REQUIRE(password.has_value());
    CHECK(password->size() == 20);
    const auto file = initial_password_file(dir.path());
    CHECK(read_file(file) == *password);
    CHECK(mode_of(file) == 0600);
    CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
    const auto u = db->read([](ddid::storage::connection& c) { return users::find(c, "admin"); });
    REQUIRE(u.has_value());
    CHECK(u->user_role == role::admin);
    CHECK(verify_password(*password, u->password_hash));
    CHECK(db->read([](ddid::storage::connection& c) {
        return c.query_int("SELECT count(*) FROM audit_log WHERE actor = 'system' AND action = 'user.create'");
    }) == 1);

    // A second start changes nothing.
    CHECK_FALSE(ensure_admin(*db, dir.path(), test_iterations).has_value());
    CHECK(read_file(file) == *password);
}

TEST_CASE("reset-admin-password sets a new password, re-enables admin and ends its sessions") {
    temp_dir dir;
    auto db = open_database(dir.path());
    const auto first = ensure_admin(*db, dir.path(), test_iterations).value();
    db->write([](ddid::storage::connection& c) {
        c.run("UPDATE auth_users SET disabled = 1, role = 'viewer' WHERE name = 'admin'");
        c.run("INSERT INTO auth_sessions (secret_hash, user_id, created_at, expires_at) "
              "SELECT 'x', id, 0, 9999999999999 FROM auth_users WHERE name = 'admin'");
    });
    std::filesystem::remove(initial_password_file(dir.path()));
    const auto second = reset_admin_password(*db, dir.path(), test_iterations);
    CHECK(second != first);
    CHECK(read_file(initial_password_file(dir.path())) == second);
    CHECK(mode_of(initial_password_file(dir.path())) == 0600);
    CHECK(verify_password(second, admin_hash(*db)));
    CHECK_FALSE(verify_password(first, admin_hash(*db)));
    const auto u = db->read([](ddid::storage::connection& c) { return users::find(c, "admin"); });
    CHECK_FALSE(u->disabled);
    CHECK(u->user_role == role::admin);
    CHECK(db->read([](ddid::storage::connection& c) { return c.query_int("SELECT count(*) FROM auth_sessions"); }) == 0);
    CHECK(db->read([](ddid::storage::connection& c) {
        return c.query_int("SELECT count(*) FROM audit_log WHERE action = 'user.reset_password'");
    }) == 1);
}

TEST_CASE("reset-admin-password creates admin when it is missing") {
    temp_dir dir;
    auto db = open_database(dir.path());
    const auto pw = reset_admin_password(*db, dir.path(), test_iterations);
    CHECK(verify_password(pw, admin_hash(*db)));
}

TEST_CASE("the self-signed certificate: P-256, CN and SAN as documented, about 825 days") {
    const auto m = make_self_signed("ddi1.example.net");
    BIO* b = BIO_new_mem_buf(m.cert_pem.data(), static_cast<int>(m.cert_pem.size()));
    X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    REQUIRE(x);
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
    CHECK(std::string(cn) == "ddi1.example.net");
    CHECK(X509_check_host(x, "localhost", 0, 0, nullptr) == 1);
    CHECK(X509_check_host(x, "ddi1.example.net", 0, 0, nullptr) == 1);
    CHECK(X509_check_host(x, "other.example.net", 0, 0, nullptr) != 1);
    CHECK(X509_check_ip_asc(x, "127.0.0.1", 0) == 1);
    CHECK(X509_check_ip_asc(x, "::1", 0) == 1);
    int days = 0, secs = 0;
    REQUIRE(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)) == 1);
    CHECK(days == 825);
    EVP_PKEY* key = X509_get0_pubkey(x);
    CHECK(EVP_PKEY_get_base_id(key) == EVP_PKEY_EC);
    CHECK(EVP_PKEY_get_bits(key) == 256);
    X509_free(x);
    CHECK(certificate_fingerprint(m.cert_pem).size() == 32 * 3 - 1);
}

TEST_CASE("the stored certificate is made once and reused") {
    temp_dir dir;
    auto db = open_database(dir.path());
    const auto a = load_or_create_certificate(*db, "n1");
    const auto b = load_or_create_certificate(*db, "n1");
    CHECK(a.cert_pem == b.cert_pem);
    CHECK(a.key_pem == b.key_pem);
}

TEST_CASE("configured TLS files: bad ones are refused naming the key") {
    temp_dir dir;
    const auto m = make_self_signed("x");
    const auto other = make_self_signed("y");
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir.path() / name) << text;
        return dir.path() / name;
    };
    const auto cert = write("cert.pem", m.cert_pem);
    const auto key = write("key.pem", m.key_pem);
    const auto other_key = write("other.pem", other.key_pem);
    const auto junk = write("junk.pem", "not a pem file\n");

    CHECK(load_tls_files(cert, key).cert_pem == m.cert_pem);
    auto field_of = [](auto fn) {
        try {
            fn();
        } catch (const ddid::error& e) {
            return e.field();
        }
        return std::string("no error");
    };
    CHECK(field_of([&] { load_tls_files(junk, key); }) == "http.tls_cert");
    CHECK(field_of([&] { load_tls_files(dir.path() / "missing.pem", key); }) == "http.tls_cert");
    CHECK(field_of([&] { load_tls_files(cert, junk); }) == "http.tls_key");
    CHECK(field_of([&] { load_tls_files(cert, other_key); }) == "http.tls_key");
}
