// HTTP and time for the core's conversations. A transport only moves bytes;
// every protocol rule (retries, limits, error envelopes) is the core's.
package dev.credmint

import java.io.ByteArrayOutputStream
import java.io.IOException
import java.io.InputStream
import java.net.HttpURLConnection
import java.net.SocketTimeoutException
import java.net.URI

/** What came back from a server: status, headers as name/value pairs, body. Not printed. */
class HttpAnswer(val status: Int, val headers: List<Pair<String, String>>, val body: ByteArray) {
    override fun toString(): String = "HttpAnswer($status, ${body.size} bytes)"
}

/**
 * Sends one request; throws [IOException] when no answer came (the core decides whether to retry).
 * Apply the request's own time limit, [HttpRequest.timeoutMillis] (the core's: connect, send and
 * read the whole answer); [drive] gives up on a call still running past it either way.
 */
fun interface Transport {
    @Throws(IOException::class)
    fun send(request: HttpRequest): HttpAnswer
}

/** Unix seconds now; injectable for tests. */
fun interface Clock {
    fun now(): Long

    companion object {
        /** The system clock. */
        val SYSTEM: Clock = Clock { System.currentTimeMillis() / 1000 }
    }
}

/**
 * `java.net.HttpURLConnection` (the JVM and Android), never following redirects,
 * reading at most the core's body limit plus one byte. Connecting and every read
 * are bounded by the request's time limit, and the body is read only until that
 * limit has passed since the start; no limit here is the transport's own.
 */
class HttpUrlConnectionTransport : Transport {
    override fun send(request: HttpRequest): HttpAnswer {
        val limit = request.timeoutMillis().coerceIn(1UL, Int.MAX_VALUE.toULong()).toInt() // 0 would mean "never"
        val deadline = System.nanoTime() + limit * 1_000_000L
        val connection = URI(request.url()).toURL().openConnection() as HttpURLConnection
        try {
            connection.instanceFollowRedirects = false
            connection.connectTimeout = limit
            connection.readTimeout = limit
            connection.requestMethod = request.method()
            connection.useCaches = false
            request.headers().chunked(2).forEach { (name, value) -> connection.setRequestProperty(name, value) }
            val body = request.body()
            if (body.isNotEmpty()) {
                // Buffered, not streaming mode: in streaming mode a 401 answer
                // surfaces as HttpRetryException instead of its status and body.
                connection.doOutput = true
                connection.outputStream.use { it.write(body) }
            }
            val status = connection.responseCode
            val headers = connection.headerFields.flatMap { (name, values) ->
                if (name == null) emptyList() else values.map { name to it }
            }
            val stream = if (status >= 400) connection.errorStream else connection.inputStream
            return HttpAnswer(status, headers, stream?.use { readLimited(it, deadline, limit) } ?: ByteArray(0))
        } finally {
            connection.disconnect()
        }
    }

    private fun readLimited(stream: InputStream, deadline: Long, limit: Int): ByteArray {
        val most = maxResponseBody().toInt() + 1
        val body = ByteArrayOutputStream()
        val chunk = ByteArray(16 * 1024)
        while (body.size() < most) {
            if (System.nanoTime() >= deadline) throw SocketTimeoutException("no complete answer within $limit ms")
            val read = stream.read(chunk, 0, minOf(chunk.size, most - body.size()))
            if (read < 0) break
            body.write(chunk, 0, read)
        }
        return body.toByteArray()
    }
}
