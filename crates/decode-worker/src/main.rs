//! The decode worker. The page posts `{ id, glb }` (the file's
//! `ArrayBuffer`, transferred); the worker decodes it with
//! `trellis_viewer_glb::decode` and posts back `{ id, meta, buffers, glb }`:
//! the result as `trellis_viewer_glb::message` lays it out, the arrays as
//! typed arrays, and the file itself, all transferred rather than copied.
//! Once its handler is installed it posts `"ready"`: messages that arrive
//! before that would find no handler and be lost.

use js_sys::{
    Array, ArrayBuffer, Float32Array, Object, Reflect, Uint8Array, Uint16Array, Uint32Array,
};
use trellis_viewer_glb::message::{Buffer, to_message};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// What the worker posts once it can take work.
const READY: &str = "ready";

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        // Posting only fails for values that cannot be cloned, which these
        // are not; the page then times nothing out, so it is logged.
        if let Err(error) = answer(&reply_scope, &event.data()) {
            web_sys::console::error_2(&"decode worker:".into(), &error);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&READY.into());
}

/// Decodes one request and posts the answer.
fn answer(scope: &DedicatedWorkerGlobalScope, request: &JsValue) -> Result<(), JsValue> {
    let id = Reflect::get(request, &"id".into())?;
    let glb: ArrayBuffer = Reflect::get(request, &"glb".into())?.dyn_into()?;
    let bytes = Uint8Array::new(&glb).to_vec();
    let message = to_message(trellis_viewer_glb::decode(&bytes));
    drop(bytes);
    let buffers = Array::new();
    let transfer = Array::of1(&glb);
    for buffer in message.buffers {
        let array: JsValue = match buffer {
            Buffer::F32(values) => Float32Array::from(values.as_slice()).into(),
            Buffer::U32(values) => Uint32Array::from(values.as_slice()).into(),
            Buffer::U16(values) => Uint16Array::from(values.as_slice()).into(),
            Buffer::U8(values) => Uint8Array::from(values.as_slice()).into(),
        };
        transfer.push(&Reflect::get(&array, &"buffer".into())?);
        buffers.push(&array);
    }
    let reply = Object::new();
    Reflect::set(&reply, &"id".into(), &id)?;
    Reflect::set(&reply, &"meta".into(), &message.meta.into())?;
    Reflect::set(&reply, &"buffers".into(), &buffers)?;
    Reflect::set(&reply, &"glb".into(), &glb)?;
    scope.post_message_with_transfer(&reply, &transfer)
}
