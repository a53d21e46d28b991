//! `uniffi-bindgen generate <lib> --language kotlin|swift --out-dir <dir>`,
//! pinned to the uniffi version credmint-ffi is built with.

fn main() {
    uniffi::uniffi_bindgen_main()
}
