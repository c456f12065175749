//! Free loopback ports.

use std::io;
use std::net::TcpListener;

/// A port on 127.0.0.1 that nothing listens on now: bind port 0, let the kernel choose, and let
/// the listener go. (Another program may take it before the caller binds it: callers that start
/// a server retry on a fresh port when it fails to come up.)
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_free_port_can_be_bound() {
        let port = super::free_port().unwrap();
        assert_ne!(port, 0);
        std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    }
}
