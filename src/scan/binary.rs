//! Binary detection, the way git decides: a NUL byte in the first 8000 bytes.

const PEEK: usize = 8000;

pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(PEEK)]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_early_means_binary() {
        assert!(is_binary(b"\x89PNG\r\n\x1a\n\0\0\0"));
        assert!(!is_binary(b"plain text\n"));
        assert!(!is_binary(
            b"caf\xc3\xa9 \xff\xfe invalid utf-8 is still text"
        ));
        let mut late = vec![b'a'; 9000];
        late[8500] = 0;
        assert!(!is_binary(&late));
    }
}
