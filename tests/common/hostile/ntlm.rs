//! NTLM messages (MS-NLMP §2.2.1) for the hostile capture: real layout,
//! fixed bytes where a client would compute hashes, hostile names.

use super::C0;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Length, allocated length and offset of an NTLM payload field (MS-NLMP §2.2.1).
fn security_buffer(msg: &mut Vec<u8>, len: usize, offset: usize) {
    msg.extend_from_slice(&(len as u16).to_le_bytes());
    msg.extend_from_slice(&(len as u16).to_le_bytes());
    msg.extend_from_slice(&(offset as u32).to_le_bytes());
}

const NTLM_FLAGS: u32 = 0xa208_8207;

pub fn ntlm_negotiate() -> Vec<u8> {
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend_from_slice(&1u32.to_le_bytes());
    m.extend_from_slice(&NTLM_FLAGS.to_le_bytes());
    m.extend_from_slice(&[0u8; 16]);
    m
}

/// CHALLENGE_MESSAGE (§2.2.1.2) whose target name is hostile.
pub fn ntlm_challenge() -> Vec<u8> {
    let name = utf16(&format!("DOM{C0}"));
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend_from_slice(&2u32.to_le_bytes());
    security_buffer(&mut m, name.len(), 48);
    m.extend_from_slice(&NTLM_FLAGS.to_le_bytes());
    m.extend_from_slice(&[7u8; 8]);
    m.extend_from_slice(&[0u8; 8]);
    security_buffer(&mut m, 0, 48 + name.len());
    m.extend_from_slice(&name);
    m
}

/// AUTHENTICATE_MESSAGE (§2.2.1.3) with hostile domain, user and workstation.
pub fn ntlm_authenticate() -> Vec<u8> {
    let fields = [
        vec![1u8; 24],
        vec![2u8; 24],
        utf16(&format!("CORP{C0}")),
        utf16(&format!("dave{C0}")),
        utf16(&format!("WS{C0}")),
        Vec::new(),
    ];
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend_from_slice(&3u32.to_le_bytes());
    let mut offset = 64;
    for f in &fields {
        security_buffer(&mut m, f.len(), offset);
        offset += f.len();
    }
    m.extend_from_slice(&NTLM_FLAGS.to_le_bytes());
    for f in &fields {
        m.extend_from_slice(f);
    }
    m
}

pub fn ntlm(msg: &[u8]) -> Vec<u8> {
    format!("NTLM {}", STANDARD.encode(msg)).into_bytes()
}
