#pragma once
/// The webui's schema and the first admin: made at first start, reset from the command line.

#include "storage/database.hpp"
#include "webui/password.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ddid::webui {

/// The schema steps of the webui's tables: auth_users, auth_sessions, auth_tokens ("auth"),
/// audit_log ("audit") and webui_tls ("webui").
std::vector<storage::module_migrations> migrations();

/// The file that holds the initial admin password until it is changed.
std::filesystem::path initial_password_file(const std::filesystem::path& data_dir);

/// First start: if no user exists, creates "admin" (role admin) with a random 20-character
/// password, writes it to data_dir/initial-admin-password (mode 0600), records it in the audit log
/// (actor "system") and returns it. Otherwise returns nullopt and changes nothing.
std::optional<std::string> ensure_admin(storage::database& db, const std::filesystem::path& data_dir,
                                        std::uint32_t iterations = default_pbkdf2_iterations);

/// `ddid --reset-admin-password`: gives "admin" a new random password (creating the user if
/// missing; re-enabling it and restoring its admin role if needed), ends its sessions, writes the
/// file (0600), records it in the audit log and returns the password.
std::string reset_admin_password(storage::database& db, const std::filesystem::path& data_dir,
                                 std::uint32_t iterations = default_pbkdf2_iterations);

/// Removes data_dir/initial-admin-password (once admin's password has been changed); no error if absent.
void remove_initial_password_file(const std::filesystem::path& data_dir);

} // namespace ddid::webui
