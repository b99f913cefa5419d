#pragma once
/// Maps the errors of the dns store, the ipam store and the dhcp store (which throws ipam's
/// error types) to API errors.

#include "dns/store/zone_store.hpp"
#include "ipam/errors.hpp"
#include "storage/sql.hpp"
#include "webui/api_error.hpp"

namespace ddid::webui {

/// Runs a store call, turning its errors into API errors: not found 404, conflict 409, a bad
/// field 400 naming it. A storage failure stays an internal error (500): it is not the caller's
/// fault.
template <class F>
auto store_call(F&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const storage::storage_error&) {
        throw;
    } catch (const dns::store::not_found_error& e) {
        throw api_error::not_found(e.what());
    } catch (const dns::store::conflict_error& e) {
        throw api_error::conflict(e.what(), e.field());
    } catch (const ipam::not_found_error& e) {
        throw api_error::not_found(e.what());
    } catch (const ipam::conflict_error& e) {
        throw api_error::conflict(e.what(), e.field());
    } catch (const ddid::error& e) {
        throw api_error::bad_request("invalid_field", e.what(), e.field());
    }
}

} // namespace ddid::webui
