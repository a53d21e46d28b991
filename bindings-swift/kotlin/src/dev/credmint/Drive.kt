// Drives a core conversation: send its requests, wait its back-offs, have the
// host sign what it asks, until it is done. The state machine is the core's.
package dev.credmint

import java.io.IOException
import java.net.SocketTimeoutException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runInterruptible
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Signs RS256 payloads with a key the platform holds (Android Keystore, a JCA
 * `PrivateKey`, an HSM): the conversation asks through a `Sign` step.
 */
fun interface Signer {
    suspend fun sign(keyId: String, payload: ByteArray): ByteArray
}

/** A [Signer] over a JCA private key (`SHA256withRSA`): Android Keystore keys work as is. */
class JcaSigner(private val privateKey: java.security.PrivateKey) : Signer {
    override suspend fun sign(keyId: String, payload: ByteArray): ByteArray =
        java.security.Signature.getInstance("SHA256withRSA").run {
            initSign(privateKey)
            update(payload)
            sign()
        }

    override fun toString(): String = "JcaSigner(${privateKey.algorithm})"
}

/**
 * [request] sent by [transport] on the IO dispatcher, given up once its time
 * limit (the core's, [HttpRequest.timeoutMillis]) has passed even if the
 * transport is still blocked: that call is interrupted and left to end in the
 * background (the built-in transport bounds each of its reads by the same
 * limit). Closes [request].
 */
internal suspend fun exchange(transport: Transport, request: HttpRequest): HttpAnswer {
    val limit = request.timeoutMillis().toLong()
    val call = CoroutineScope(Dispatchers.IO).async { runInterruptible { request.use { transport.send(it) } } }
    try {
        return withTimeoutOrNull(limit) { call.await() }
            ?: throw SocketTimeoutException("no complete answer within $limit ms")
    } finally {
        call.cancel()
    }
}

/**
 * [request] sent with [transport] within its time limit; the answer goes to
 * [answered] (headers flattened as the core takes them), or, when none came,
 * the reason to [failed].
 */
internal suspend fun deliver(
    transport: Transport,
    request: HttpRequest,
    answered: (UShort, List<String>, ByteArray) -> Unit,
    failed: (String) -> Unit,
) {
    val answer = try {
        exchange(transport, request)
    } catch (failure: IOException) {
        failed(failure.javaClass.simpleName + ": " + (failure.message ?: "no answer"))
        return
    }
    answered(answer.status.toUShort(), answer.headers.flatMap { (name, value) -> listOf(name, value) }, answer.body)
}

/**
 * Runs [conversation] to its next end (`Done`) with [transport] and [clock];
 * [signer] answers `Sign` steps; each request is abandoned at its time limit
 * and reported as a transport failure. Files and commands are this machine's,
 * variables [environment]'s (the process's; tests replace it). The caller
 * closes the conversation.
 */
suspend fun drive(
    conversation: Conversation,
    transport: Transport,
    clock: Clock,
    signer: Signer? = null,
    environment: (String) -> String? = System::getenv,
): Output {
    while (true) {
        when (val step = conversation.poll(clock.now())) {
            is Step.ReadFile -> conversation.feedHost(readFile(step.path, step.maxBytes))
            is Step.ReadEnv -> conversation.feedHost(HostAnswer.Env(environment(step.name)))
            is Step.Run -> conversation.feedHost(runCommand(step.run))
            is Step.Send -> deliver(transport, step.request, conversation::feedResponse, conversation::feedTransportError)
            is Step.Wait -> delay(((step.until - clock.now()) * 1000).coerceAtLeast(0))
            is Step.Sign -> {
                val host = signer ?: throw CredmintException.Signing("signing_failed", "this conversation needs a Signer")
                conversation.feedSignature(host.sign(step.keyId, step.payload))
            }
            is Step.Done -> return step.output
        }
    }
}
