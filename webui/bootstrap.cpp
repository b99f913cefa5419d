#include "webui/bootstrap.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "webui/audit.hpp"
#include "webui/sessions.hpp"
#include "webui/time_text.hpp"
#include "webui/users.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ddid::webui {
namespace {

constexpr const char* admin_name = "admin";

// Writes `password` to a temporary file beside the final one, created 0600 from the start so the
// secret is never readable by others, even for a moment.
std::filesystem::path write_temp_password(const std::filesystem::path& data_dir, const std::string& password) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    const auto tmp = initial_password_file(data_dir).string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw error("cannot write " + tmp + ": " + std::strerror(errno));
    const std::string text = password + "\n";
    const bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp.c_str());
        throw error("cannot write " + tmp + ": " + std::strerror(saved));
    }
    return tmp;
}

void install(const std::filesystem::path& tmp, const std::filesystem::path& data_dir) {
    std::error_code ec;
    std::filesystem::rename(tmp, initial_password_file(data_dir), ec);
    if (ec) throw error("cannot write " + initial_password_file(data_dir).string() + ": " + ec.message());
}

} // namespace

std::filesystem::path initial_password_file(const std::filesystem::path& data_dir) {
    return data_dir / "initial-admin-password";
}

void remove_initial_password_file(const std::filesystem::path& data_dir) {
    if (data_dir.empty()) return;
    std::error_code ec;
    if (std::filesystem::remove(initial_password_file(data_dir), ec))
        log::info("auth.initial_password_removed", {{"file", initial_password_file(data_dir).string()}});
}

std::optional<std::string> ensure_admin(storage::database& db, const std::filesystem::path& data_dir,
                                        std::uint32_t iterations) {
    if (db.read([](storage::connection& c) { return users::any(c); })) return std::nullopt;
    std::string password = random_password(20);
    users::user_record u;
    u.name = admin_name;
    u.full_name = "Administrator";
    u.user_role = role::admin;
    u.password_hash = hash_password(password, iterations); // before the write: never stall the writer
    const auto tmp = write_temp_password(data_dir, password);
    bool created = false;
    try {
        created = db.write([&](storage::connection& c) {
            if (users::any(c)) return false;
            u.created_at = u.updated_at = u.password_changed_at = unix_now_ms();
            u.id = users::insert(c, u);
            audit::record(c, {"system", "", "user.create", "user", u.name, nullptr, users::to_json(u)});
            return true;
        });
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
    if (!created) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        return std::nullopt;
    }
    install(tmp, data_dir);
    log::info("auth.admin_created", {{"user", admin_name}, {"password_file", initial_password_file(data_dir).string()}});
    return password;
}

std::string reset_admin_password(storage::database& db, const std::filesystem::path& data_dir, std::uint32_t iterations) {
    std::string password = random_password(20);
    const std::string hash = hash_password(password, iterations);
    const auto tmp = write_temp_password(data_dir, password);
    try {
        db.write([&](storage::connection& c) {
            const auto now = unix_now_ms();
            auto existing = users::find(c, admin_name);
            if (!existing) {
                users::user_record u;
                u.name = admin_name;
                u.full_name = "Administrator";
                u.user_role = role::admin;
                u.password_hash = hash;
                u.created_at = u.updated_at = u.password_changed_at = now;
                u.id = users::insert(c, u);
                audit::record(c, {"system", "", "user.reset_password", "user", u.name, nullptr, users::to_json(u)});
                return;
            }
            const auto before = users::to_json(*existing);
            existing->password_hash = hash;
            existing->user_role = role::admin;
            existing->disabled = false;
            existing->updated_at = existing->password_changed_at = now;
            users::update(c, *existing);
            sessions::revoke_user(c, existing->id);
            audit::record(c, {"system", "", "user.reset_password", "user", existing->name, before,
                              users::to_json(*existing)});
        });
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
    install(tmp, data_dir);
    log::info("auth.admin_password_reset",
              {{"user", admin_name}, {"password_file", initial_password_file(data_dir).string()}});
    return password;
}

} // namespace ddid::webui
