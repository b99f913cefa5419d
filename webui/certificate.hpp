#pragma once
/// The console's TLS certificate: the configured files, or a self-signed one made at first start
/// and kept in the database so that both nodes of a pair present the same one on the VIP.

#include <filesystem>
#include <string>

namespace ddid::storage {
class database;
}

namespace ddid::webui {

struct tls_material {
    std::string cert_pem; ///< the certificate, then any chain
    std::string key_pem;  ///< the private key, unencrypted PKCS#8
};

/// A self-signed ECDSA P-256 certificate, CN = `node_name`, SAN localhost, 127.0.0.1, ::1 and the
/// node name, valid from an hour ago for `days`.
tls_material make_self_signed(const std::string& node_name, int days = 825);

/// Reads the configured PEM files and checks the key fits the certificate. Throws
/// ddid::config_error naming "http.tls_cert" or "http.tls_key".
tls_material load_tls_files(const std::filesystem::path& cert_file, const std::filesystem::path& key_file);

/// The certificate stored in webui_tls, made (and stored) first if there is none.
tls_material load_or_create_certificate(storage::database& db, const std::string& node_name);

/// "AB:CD:..." SHA-256 fingerprint of the first certificate in `cert_pem`, empty if unreadable.
std::string certificate_fingerprint(const std::string& cert_pem);

} // namespace ddid::webui
