//! A core flow as a Python object the host drives: `poll(now)` gives a step
//! tuple, the `feed_*` methods take what the host did.
//!
//! Steps: `("send", method, url, headers, body, timeout_millis)`, `("wait", until)`,
//! `("sign", key_id, payload)`, `("read_file", path, max_bytes)`, `("read_env", name)`,
//! `("run", program, args, env, timeout_millis)`, `("done", result)`. `timeout_millis` is the
//! request's time limit (the core's: connect, send and read the whole answer),
//! in milliseconds like the native module's other durations; the Python layer
//! hands it to transports as `timeout=` seconds.

use crate::credentials::Credentials;
use crate::errors::{IntoPy, invalid_argument};
use crate::tokens::{AccessToken, IdToken};
use credmint::k0rdent::CredentialPage;
use credmint::{Flow, FlowOutput as Output, HostAnswer, HttpResponse, Step, UnixTime};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use std::sync::Mutex;

type BoxedFlow = Box<dyn Flow<Output = Output> + Send>;

/// A conversation in progress.
#[pyclass(frozen, module = "credmint._native", name = "Conversation")]
pub struct Conversation {
    flow: Mutex<BoxedFlow>,
}

impl Conversation {
    /// Wraps a core flow.
    pub fn new<F>(flow: F) -> Self
    where
        F: Flow + Send + 'static,
        F::Output: Into<Output>,
    {
        Conversation {
            flow: Mutex::new(Box::new(flow.map_output(Into::into))),
        }
    }

    fn with_flow<R>(&self, f: impl FnOnce(&mut BoxedFlow) -> R) -> R {
        let mut flow = self
            .flow
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut flow)
    }
}

#[pymethods]
impl Conversation {
    /// The next step at `now` (Unix seconds).
    fn poll<'py>(&self, py: Python<'py>, now: i64) -> PyResult<Bound<'py, PyAny>> {
        let step = py
            .detach(|| self.with_flow(|flow| flow.poll(UnixTime::from_secs(now))))
            .py_err()?;
        Ok(match step {
            Step::Send(request) => {
                let headers: Vec<(String, String)> = request.headers().to_vec();
                (
                    "send",
                    request.method().as_str(),
                    request.url().to_owned(),
                    headers,
                    PyBytes::new(py, request.body()),
                    request.timeout_millis(),
                )
                    .into_pyobject(py)?
                    .into_any()
            }
            Step::Wait(until) => ("wait", until.as_secs()).into_pyobject(py)?.into_any(),
            Step::Sign(request) => (
                "sign",
                request.key_id().to_owned(),
                PyBytes::new(py, request.payload()),
            )
                .into_pyobject(py)?
                .into_any(),
            Step::ReadFile(read) => ("read_file", read.path().to_owned(), read.max_bytes())
                .into_pyobject(py)?
                .into_any(),
            Step::ReadEnv(name) => ("read_env", name).into_pyobject(py)?.into_any(),
            Step::Run(run) => ("run", run.program, run.args, run.env, run.timeout_millis)
                .into_pyobject(py)?
                .into_any(),
            Step::Done(output) => ("done", output_object(py, output)?)
                .into_pyobject(py)?
                .into_any(),
        })
    }

    /// What the host found for the last `read_file`, `read_env` or `run` step:
    /// `("file", bytes)`, `("missing",)`, `("unreadable", reason)`, `("env", value or None)`,
    /// `("exited", status, stdout)`, `("not_started", reason)` or `("timed_out",)`.
    #[pyo3(signature = (kind, value=None, status=0))]
    fn feed_host(&self, kind: &str, value: Option<Bound<'_, PyAny>>, status: i32) -> PyResult<()> {
        let (text, bytes) = match value {
            None => (None, None),
            Some(value) if value.is_instance_of::<PyString>() => (Some(value.extract()?), None),
            Some(value) => (None, Some(value.extract()?)),
        };
        let answer = HostAnswer::from_kind(kind, text, bytes, Some(status)).py_err()?;
        self.with_flow(|flow| flow.feed_host(answer)).py_err()
    }

    /// The response to the last `send` step.
    fn feed_response(
        &self,
        py: Python<'_>,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> PyResult<()> {
        let response = HttpResponse::new(status, headers, body);
        py.detach(|| self.with_flow(|flow| flow.feed_response(response)))
            .py_err()
    }

    /// The last `send` step could not be completed (connection, timeout).
    fn feed_transport_error(&self, reason: &str) -> PyResult<()> {
        self.with_flow(|flow| flow.feed_transport_error(reason))
            .py_err()
    }

    /// The signature asked for by the last `sign` step.
    fn feed_signature(&self, signature: &[u8]) -> PyResult<()> {
        self.with_flow(|flow| flow.feed_signature(signature))
            .py_err()
    }

    fn __repr__(&self) -> &'static str {
        "Conversation(...)"
    }
}

fn output_object(py: Python<'_>, output: Output) -> PyResult<Py<PyAny>> {
    Ok(match output {
        Output::Access(inner) => Py::new(py, AccessToken { inner })?.into_any(),
        Output::Id(inner) => Py::new(py, IdToken { inner })?.into_any(),
        Output::Blob(blob) => (blob.key_id().to_owned(), PyBytes::new(py, blob.signature()))
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        Output::Jwt(jwt) => (
            jwt.key_id().to_owned(),
            jwt.signed_jwt().expose_secret().to_owned(),
        )
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        Output::Locations(locations) => (locations.locations, locations.encoded_locations)
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        Output::Json(value) => value.to_string().into_pyobject(py)?.into_any().unbind(),
        Output::Claims(claims) => claims.json().into_pyobject(py)?.into_any().unbind(),
        Output::Prepared(_) => {
            return Err(invalid_argument("Python checks signatures in the core"));
        }
        Output::Default(found) => (
            Credentials {
                inner: found.credentials,
            },
            found.source.as_str(),
            found.source.path().map(str::to_owned),
            found.project_id,
        )
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        Output::Page(None) => py.None(),
        Output::Page(Some(page)) => page_object(py, page)?.into_any().unbind(),
    })
}

fn time(time: Option<UnixTime>) -> Option<i64> {
    time.map(UnixTime::as_secs)
}

fn page_object(py: Python<'_>, page: CredentialPage) -> PyResult<Bound<'_, PyDict>> {
    let items = PyList::empty(py);
    for credential in page.credentials {
        let item = PyDict::new(py);
        item.set_item("id", credential.id)?;
        item.set_item("service_account_id", credential.service_account_id)?;
        item.set_item("status", credential.status.as_str().to_owned())?;
        item.set_item("uid", credential.uid)?;
        item.set_item("self_link", credential.self_link)?;
        item.set_item("expires_at", time(credential.expires_at))?;
        item.set_item("created_by", credential.created_by)?;
        item.set_item("created_at", time(credential.created_at))?;
        item.set_item("last_used_at", time(credential.last_used_at))?;
        item.set_item("last_used_ip", credential.last_used_ip)?;
        items.append(item)?;
    }
    let object = PyDict::new(py);
    object.set_item("credentials", items)?;
    object.set_item("next_page_token", page.next_page_token)?;
    object.set_item("total", page.total)?;
    Ok(object)
}
