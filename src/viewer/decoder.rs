//! Decoding GLBs off the main thread, in the decode worker
//! (`crates/decode-worker`, built by trunk next to the app): decoding the
//! meshopt views, validating and reading the geometry of a 1M-triangle
//! model takes well over 50 ms, which would freeze the page. The file goes
//! to the worker and comes back with the result, all transferred, never
//! copied. Where no worker starts (an old browser, a host without the
//! worker's files), the same code runs on the page instead.

use super::parse::ViewerError;
use futures::channel::oneshot;
use js_sys::{ArrayBuffer, Float32Array, Reflect, Uint8Array, Uint16Array, Uint32Array};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use trellis_viewer_glb::Decoded;
use trellis_viewer_glb::message::{Buffer, Message, from_message};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

/// The worker's entry script, which trunk writes beside `index.html`.
const WORKER_SCRIPT: &str = "./decode-worker_loader.js";
/// What the worker posts once it takes work (see the worker's docs).
const READY: &str = "ready";
/// How long the worker may take to start before the page decodes by
/// itself: a worker whose wasm fails to load never says so, it just never
/// gets ready. Generous, as it downloads (about 50 KB) on the same network
/// as the model.
const START_TIMEOUT_MS: u32 = 15_000;

/// A decode worker for one model's loads; dropping it ends the worker, so
/// its memory (which a wasm instance never gives back) goes too.
pub struct Decoder(Rc<Shared>);

struct Shared {
    /// `None` when no worker could be made.
    worker: Option<Worker>,
    state: Cell<WorkerState>,
    next_id: Cell<u32>,
    /// Requests made before the worker was ready, posted once it is.
    waiting: RefCell<Vec<(u32, ArrayBuffer)>>,
    /// Where each posted request's answer goes: the reply, or `None` when
    /// the worker failed.
    answers: RefCell<HashMap<u32, oneshot::Sender<Option<JsValue>>>>,
    /// The worker's message and error handlers, alive as long as it is.
    _handlers: [Closure<dyn FnMut(JsValue)>; 2],
    /// Gives up on a worker that never gets ready; cleared with it.
    _start_timeout: gloo_timers::callback::Timeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkerState {
    Starting,
    Ready,
    Failed,
}

impl Decoder {
    /// Starts a worker, which loads while the model downloads.
    pub fn start() -> Self {
        let worker = Worker::new(WORKER_SCRIPT).ok();
        Self(Rc::new_cyclic(|shared: &Weak<Shared>| {
            let on_message = Closure::<dyn FnMut(JsValue)>::new({
                let shared = shared.clone();
                move |event: JsValue| {
                    if let (Some(shared), Ok(event)) =
                        (shared.upgrade(), event.dyn_into::<MessageEvent>())
                    {
                        shared.on_message(event.data());
                    }
                }
            });
            let on_error = Closure::<dyn FnMut(JsValue)>::new({
                let shared = shared.clone();
                move |_| {
                    if let Some(shared) = shared.upgrade() {
                        shared.fail();
                    }
                }
            });
            let start_timeout = gloo_timers::callback::Timeout::new(START_TIMEOUT_MS, {
                let shared = shared.clone();
                move || {
                    if let Some(shared) = shared.upgrade()
                        && shared.state.get() == WorkerState::Starting
                    {
                        shared.fail();
                    }
                }
            });
            if let Some(worker) = &worker {
                worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            }
            Shared {
                state: Cell::new(if worker.is_some() {
                    WorkerState::Starting
                } else {
                    WorkerState::Failed
                }),
                worker,
                next_id: Cell::new(0),
                waiting: RefCell::default(),
                answers: RefCell::default(),
                _handlers: [on_message, on_error],
                _start_timeout: start_timeout,
            }
        }))
    }

    /// Decodes the GLB in `glb`; gives the file back too (for downloads).
    pub async fn decode(&self, glb: ArrayBuffer) -> (Result<Decoded, ViewerError>, ArrayBuffer) {
        let shared = &self.0;
        if shared.state.get() == WorkerState::Failed {
            return decode_here(glb);
        }
        let id = shared.next_id.get();
        shared.next_id.set(id.wrapping_add(1));
        let (sender, receiver) = oneshot::channel();
        shared.answers.borrow_mut().insert(id, sender);
        if shared.state.get() == WorkerState::Ready {
            shared.post(id, &glb);
        } else {
            shared.waiting.borrow_mut().push((id, glb.clone()));
        }
        let length = glb.byte_length();
        match receiver.await.ok().flatten() {
            Some(reply) => read_reply(&reply, glb),
            // Never handed over (the worker never started): decode here.
            None if glb.byte_length() == length => decode_here(glb),
            None => (
                Err(ViewerError::BadModel(
                    "the background decoder stopped while reading it".into(),
                )),
                glb,
            ),
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(worker) = &self.worker {
            worker.terminate();
        }
    }
}

impl Shared {
    fn on_message(&self, data: JsValue) {
        if data.as_string().as_deref() == Some(READY) {
            self.state.set(WorkerState::Ready);
            let waiting = std::mem::take(&mut *self.waiting.borrow_mut());
            for (id, glb) in waiting {
                self.post(id, &glb);
            }
            return;
        }
        let id = Reflect::get(&data, &"id".into())
            .ok()
            .and_then(|id| id.as_f64())
            .map(|id| id as u32);
        let sender = id.and_then(|id| self.answers.borrow_mut().remove(&id));
        if let Some(sender) = sender {
            let _ = sender.send(Some(data));
        }
    }

    /// Sends request `id`, handing `glb` over to the worker.
    fn post(&self, id: u32, glb: &ArrayBuffer) {
        let request = js_sys::Object::new();
        let posted = self.worker.as_ref().is_some_and(|worker| {
            Reflect::set(&request, &"id".into(), &id.into()).is_ok()
                && Reflect::set(&request, &"glb".into(), glb).is_ok()
                && worker
                    .post_message_with_transfer(&request, &js_sys::Array::of1(glb))
                    .is_ok()
        });
        if !posted && let Some(sender) = self.answers.borrow_mut().remove(&id) {
            let _ = sender.send(None);
        }
    }

    /// The worker failed to start or died: every open request is answered
    /// with `None`, and later ones are decoded on the page.
    fn fail(&self) {
        self.state.set(WorkerState::Failed);
        self.waiting.borrow_mut().clear();
        for (_, sender) in self.answers.borrow_mut().drain() {
            let _ = sender.send(None);
        }
    }
}

/// Decodes on the page: the fallback when no worker runs.
fn decode_here(glb: ArrayBuffer) -> (Result<Decoded, ViewerError>, ArrayBuffer) {
    let bytes = Uint8Array::new(&glb).to_vec();
    let decoded = trellis_viewer_glb::decode(&bytes).map_err(ViewerError::from);
    (decoded, glb)
}

/// The worker's `{ meta, buffers, glb }` as the decoded model and the file.
fn read_reply(reply: &JsValue, sent: ArrayBuffer) -> (Result<Decoded, ViewerError>, ArrayBuffer) {
    let field = |name: &str| Reflect::get(reply, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let glb = field("glb").dyn_into::<ArrayBuffer>().unwrap_or(sent);
    let buffers: Vec<Buffer> = js_sys::Array::from(&field("buffers"))
        .iter()
        .map(|array| {
            if let Some(a) = array.dyn_ref::<Float32Array>() {
                Buffer::F32(a.to_vec())
            } else if let Some(a) = array.dyn_ref::<Uint32Array>() {
                Buffer::U32(a.to_vec())
            } else if let Some(a) = array.dyn_ref::<Uint16Array>() {
                Buffer::U16(a.to_vec())
            } else {
                Buffer::U8(Uint8Array::new(&array).to_vec())
            }
        })
        .collect();
    let message = Message {
        meta: field("meta").as_string().unwrap_or_default(),
        buffers,
    };
    (from_message(message).map_err(ViewerError::from), glb)
}
