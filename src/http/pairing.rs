//! Request/response pairing on one connection. Owns the queue of requests that
//! wait for their responses (pipelining, RFC 9112 §9.3: responses come back in
//! request order) and the response being received. Receives parsed requests and
//! completed responses; emits [`HttpExchange`]s. Must not parse bytes.

use super::body::BodyPrefix;
use crate::model::{
    ConnId, Endpoint, ExchangeId, ExchangeOrigin, HttpExchange, HttpRequest, HttpResponse,
};
use std::collections::VecDeque;

/// Anomaly codes kept per exchange.
const MAX_EXCHANGE_ANOMALIES: usize = 16;

/// Interim (1xx) codes kept per response.
pub(crate) const MAX_INTERIM: usize = 16;

/// A request waiting for its response.
#[derive(Clone, Debug)]
pub(crate) struct PendingReq {
    pub(crate) serial: u64,
    /// `None` for a placeholder: a request whose head was lost.
    pub(crate) req: Option<HttpRequest>,
    pub(crate) anomalies: Vec<&'static str>,
}

impl PendingReq {
    /// The method is `HEAD` (methods are case-sensitive, RFC 9110 §9.1).
    pub(crate) fn is_head(&self) -> bool {
        self.req.as_ref().is_some_and(|r| r.method == "HEAD")
    }

    /// The method is `CONNECT`.
    pub(crate) fn is_connect(&self) -> bool {
        self.req.as_ref().is_some_and(|r| r.method == "CONNECT")
    }
}

/// A final response whose body is still arriving.
#[derive(Debug)]
pub(crate) struct RespBuilding {
    pub(crate) resp: HttpResponse,
    /// Serial of the request it answers, when one was waiting.
    pub(crate) req_serial: Option<u64>,
    pub(crate) prefix: Option<BodyPrefix>,
    pub(crate) anomalies: Vec<&'static str>,
}

/// Pairing state of one connection.
///
/// Invariant: `queue.len() <= max_pending` after every `push`, and serials in
/// the queue increase from front to back.
#[derive(Debug)]
pub(crate) struct Pairing {
    pub(crate) conn: ConnId,
    pub(crate) client: Endpoint,
    pub(crate) server: Endpoint,
    queue: VecDeque<PendingReq>,
    next_serial: u64,
    next_seq: u32,
    /// Connection-level anomalies, attached to the next exchange emitted.
    conn_anomalies: Vec<&'static str>,
    /// Highest serial whose exchange was emitted with a response.
    pub(crate) last_answered: Option<u64>,
}

impl Pairing {
    pub(crate) fn new(conn: ConnId, client: Endpoint, server: Endpoint) -> Self {
        Pairing {
            conn,
            client,
            server,
            queue: VecDeque::new(),
            next_serial: 0,
            next_seq: 0,
            conn_anomalies: Vec::new(),
            last_answered: None,
        }
    }

    /// Notes a connection-level anomaly for the next exchange.
    pub(crate) fn note(&mut self, code: &'static str) {
        if self.conn_anomalies.len() < MAX_EXCHANGE_ANOMALIES {
            self.conn_anomalies.push(code);
        }
    }

    /// A fresh serial for a new request.
    pub(crate) fn serial(&mut self) -> u64 {
        let s = self.next_serial;
        self.next_serial += 1;
        s
    }

    /// Queues a request; returns the oldest one when the queue was full.
    pub(crate) fn push(&mut self, req: PendingReq, max_pending: usize) -> Option<PendingReq> {
        let evicted = if self.queue.len() >= max_pending.max(1) {
            self.queue.pop_front()
        } else {
            None
        };
        self.queue.push_back(req);
        evicted
    }

    /// The request the next response answers.
    pub(crate) fn front(&self) -> Option<&PendingReq> {
        self.queue.front()
    }

    /// A queued request by serial (to count its body).
    pub(crate) fn get_mut(&mut self, serial: u64) -> Option<&mut PendingReq> {
        self.queue.iter_mut().rev().find(|p| p.serial == serial)
    }

    /// Removes the request with `serial` when it is still first in line.
    pub(crate) fn take(&mut self, serial: Option<u64>) -> Option<PendingReq> {
        let s = serial?;
        if self.queue.front().is_some_and(|p| p.serial == s) {
            self.queue.pop_front()
        } else {
            None
        }
    }

    /// Removes every request still waiting.
    pub(crate) fn drain(&mut self) -> Vec<PendingReq> {
        self.queue.drain(..).collect()
    }

    /// Builds the exchange of `req` and `resp` (at least one present).
    pub(crate) fn exchange(
        &mut self,
        req: Option<PendingReq>,
        resp: Option<(HttpResponse, Vec<&'static str>)>,
    ) -> HttpExchange {
        let mut anomalies = std::mem::take(&mut self.conn_anomalies);
        let (request, req_anoms) = match req {
            Some(p) => {
                if resp.is_some() {
                    self.last_answered = Some(p.serial);
                }
                (p.req, p.anomalies)
            }
            None => (None, Vec::new()),
        };
        let (response, resp_anoms) = match resp {
            Some((r, a)) => (Some(r), a),
            None => (None, Vec::new()),
        };
        for code in req_anoms.into_iter().chain(resp_anoms) {
            if !anomalies.contains(&code) && anomalies.len() < MAX_EXCHANGE_ANOMALIES {
                anomalies.push(code);
            }
        }
        let seq_on_conn = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        HttpExchange {
            id: ExchangeId(0),
            origin: ExchangeOrigin::Wire(self.conn),
            client: self.client,
            server: self.server,
            scheme: "http",
            seq_on_conn,
            request,
            response,
            anomalies,
        }
    }
}
