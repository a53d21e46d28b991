// The shared vectors through the Kotlin binding: the same keys, byte-identical
// signatures and tokens, the same verification errors, and every scripted
// conversation and cache decision, as the Rust core and the other bindings.
package dev.credmint

import com.google.gson.JsonParser
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class VectorsTest {
    private val isServiceAccount = { case: com.google.gson.JsonObject ->
        (case.obj("key")?.str("format") ?: "service_account") == "service_account"
    }

    @Test
    fun keys() {
        var ran = 0
        for (case in Vectors.cases("keys.json")) {
            val expect = case.obj("expect")!!
            when (case.str("op")) {
                "load_signing_key" -> {
                    if (!isServiceAccount(case)) continue
                    val text = Vectors.text(case.obj("key")!!)
                    expect.str("error")?.let { code ->
                        assertEquals(case.str("name"), code, codeOf { ServiceAccountKey.fromJson(text) })
                        assertEquals(case.str("name"), code, codeOf { ServiceAccountKey.fromJsonForKeystore(text).signBlob(byteArrayOf(1)) })
                    } ?: ServiceAccountKey.fromJson(text).use { key ->
                        assertEquals(expect.str("key_id"), key.keyId())
                        assertEquals(expect.str("client_email"), key.clientEmail())
                        assertEquals(expect.str("project_id"), key.projectId())
                        assertEquals(expect.str("token_uri"), key.tokenUri())
                        val jwks = JsonParser.parseString(key.jwks()).asJsonObject["keys"].asJsonArray
                        assertEquals(case.str("name"), expect["jwk"], jwks[0])
                    }
                }
                "load_key_set" -> {
                    val text = Vectors.text(case.obj("keys")!!)
                    expect.str("error")?.let { code ->
                        assertEquals(case.str("name"), code, codeOf { KeySet(text) })
                    } ?: KeySet(text).use { keys ->
                        assertEquals(case.str("name"), expect["jwks"], JsonParser.parseString(keys.jwks()).asJsonObject["keys"])
                    }
                }
            }
            ran += 1
        }
        assertTrue("ran $ran", ran >= 40)
    }

    @Test
    fun signaturesAreByteIdentical() {
        var ran = 0
        for (case in Vectors.cases("sign.json")) {
            if (case.str("op") !in setOf("sign_blob", "sign_jwt") || !isServiceAccount(case)) continue
            val expect = case.obj("expect")!!
            val text = Vectors.text(case.obj("key")!!)
            when (case.str("op")) {
                "sign_blob" -> {
                    val payload = Vectors.fromB64(case.str("payload_b64")!!)
                    expect.str("error")?.let { code ->
                        assertEquals(case.str("name"), code, codeOf { ServiceAccountKey.fromJson(text).signBlob(payload) })
                    } ?: ServiceAccountKey.fromJson(text).signBlob(payload).let { signed ->
                        assertEquals(expect.str("key_id"), signed.keyId)
                        assertEquals(case.str("name"), expect.str("signed_blob"), Vectors.b64(signed.signedBlob))
                    }
                }
                "sign_jwt" -> {
                    val call = { ServiceAccountKey.fromJson(text).signJwt(case.str("claims_json")!!, case["now"].asLong) }
                    expect.str("error")?.let { code ->
                        assertEquals(case.str("name"), code, codeOf { call() })
                    } ?: call().use { signed ->
                        assertEquals(case.str("name"), expect.str("signed_jwt"), signed.signedJwt())
                    }
                }
                else -> continue
            }
            ran += 1
        }
        assertTrue("ran $ran", ran >= 10)
    }

    @Test
    fun selfSignedJwts() {
        var ran = 0
        for (case in Vectors.cases("assertions.json")) {
            if (case.str("op") != "self_signed_jwt" || !isServiceAccount(case)) continue
            val expect = case.obj("expect")!!
            val key = ServiceAccountKey.fromJson(Vectors.text(case.obj("key")!!))
            val call = { key.selfSignedJwt(case.str("audience"), case.strings("scopes"), case["now"].asLong) }
            expect.str("error")?.let { code -> assertEquals(case.str("name"), code, codeOf { call() }) }
                ?: assertEquals(case.str("name"), expect.str("token"), call())
            ran += 1
        }
        assertTrue("ran $ran", ran >= 3)
    }

    @Test
    fun verification() {
        var ran = 0
        for (case in Vectors.cases("verify.json")) {
            val rules = case.obj("validation") ?: com.google.gson.JsonObject()
            if (rules.keySet().any { it !in setOf("audiences", "issuers", "leeway", "max_lifetime") }) continue
            val expect = case.obj("expect")!!
            val options = VerifyOptions(
                rules.strings("audiences") ?: emptyList(),
                rules.strings("issuers") ?: emptyList(),
                rules["leeway"]?.asLong?.toULong(),
                rules["max_lifetime"]?.asLong?.toULong(),
                case["now"].asLong,
            )
            val call = { verify(case.str("token")!!, Vectors.text(case.obj("keys")!!), options) }
            expect.str("error")?.let { code -> assertEquals(case.str("name"), code, codeOf { call() }) }
                ?: assertEquals(case.str("name"), expect["claims"], JsonParser.parseString(call()))
            ran += 1
        }
        assertTrue("ran $ran", ran >= 100)
    }

    @Test
    fun everyConversationStepByStep() {
        val cases = Vectors.cases("flows.json")
        for (case in cases) {
            val name = case.str("name")
            val spec = Vectors.inlined(case["flow"]).toString()
            case.str("construct_error")?.let { code ->
                assertEquals(name, code, codeOf { conformanceFlow(spec) })
                continue
            }
            conformanceFlow(spec).use { conversation -> replay(name, conversation, case) }
        }
        assertTrue("ran ${cases.size}", cases.size >= 90)
    }

    /** The vector's answer to a host step (`{"file": text}`, `{"env": value}`, `{"exited": …}`, …). */
    private fun hostAnswer(answer: com.google.gson.JsonObject): HostAnswer {
        val (kind, value) = answer.entrySet().first()
        return when (kind) {
            "file" -> HostAnswer.File(value.asString.toByteArray())
            "missing" -> HostAnswer.FileMissing
            "unreadable" -> HostAnswer.FileUnreadable(value.asString)
            "env" -> HostAnswer.Env(if (value.isJsonNull) null else value.asString)
            "exited" -> HostAnswer.Exited(value.asJsonObject["status"].asInt, value.asJsonObject.str("stdout")!!.toByteArray())
            "not_started" -> HostAnswer.NotStarted(value.asString)
            "timed_out" -> HostAnswer.TimedOut
            else -> throw AssertionError("no host answer $kind")
        }
    }

    private fun replay(name: String?, conversation: Conversation, case: com.google.gson.JsonObject) {
        for ((index, element) in case["steps"].asJsonArray.withIndex()) {
            val step = element.asJsonObject
            val expect = step.obj("expect")!!
            val where = "$name, step $index"
            val now = step["now"].asLong
            if (expect.has("error")) {
                val failure = runCatching { conversation.poll(now) }.exceptionOrNull() as? CredmintException
                    ?: throw AssertionError("$where: expected an error")
                val want = expect.obj("error")!!
                val got = mapOf(
                    "code" to failure.code, "retryable" to failure.retryable, "status" to failure.status,
                    "provider_code" to (failure as? CredmintException.Remote)?.remoteCode,
                    "reason" to (failure as? CredmintException.Remote)?.reason,
                    "permission" to (failure as? CredmintException.Remote)?.permission,
                    "retry_after" to (failure as? CredmintException.Remote)?.retryAfterSecs?.toLong(),
                )
                for ((field, value) in want.entrySet()) {
                    val wanted: Any? = when {
                        value.isJsonNull -> null
                        value.asJsonPrimitive.isBoolean -> value.asBoolean
                        value.asJsonPrimitive.isNumber -> value.asLong
                        else -> value.asString
                    }
                    val actual = got[field].let { if (it is Int) it.toLong() else it }
                    assertEquals("$where: $field", wanted, actual)
                }
                continue
            }
            val got = conversation.poll(now)
            val kind = when (got) {
                is Step.Send -> "send"
                is Step.Sign -> "sign"
                is Step.Wait -> "wait"
                is Step.ReadFile -> "read_file"
                is Step.ReadEnv -> "read_env"
                is Step.Run -> "run"
                is Step.Done -> "done"
            }
            assertEquals(where, expect.keySet().first(), kind)
            when (got) {
                is Step.Send -> got.request.use { request ->
                    val want = expect.obj("send")!!
                    assertEquals(where, want.str("method"), request.method())
                    assertEquals(where, want.str("url"), request.url())
                    val headers = want["headers"].asJsonArray.flatMap { pair -> pair.asJsonArray.map { it.asString } }
                    assertEquals(where, headers, request.headers())
                    assertEquals(where, want.str("body"), String(request.body()))
                    assertEquals(where, want["timeout_millis"].asLong.toULong(), request.timeoutMillis())
                    step.obj("respond")?.let { answer ->
                        val answerHeaders = answer["headers"].asJsonArray.flatMap { pair -> pair.asJsonArray.map { it.asString } }
                        conversation.feedResponse(answer["status"].asInt.toUShort(), answerHeaders, answer.str("body")!!.toByteArray())
                    }
                    step.str("transport_error")?.let { conversation.feedTransportError(it) }
                }
                is Step.Sign -> {
                    val want = expect.obj("sign")!!
                    assertEquals(where, want.str("key_id"), got.keyId)
                    assertEquals(where, want.str("payload"), String(got.payload))
                    conversation.feedSignature(Vectors.fromB64Url(step.str("signature_b64url")!!))
                }
                is Step.Wait -> assertEquals(where, expect["wait"].asLong, got.until)
                is Step.ReadFile -> {
                    val want = expect.obj("read_file")!!
                    assertEquals(where, want.str("path"), got.path)
                    assertEquals(where, want["max_bytes"].asLong.toULong(), got.maxBytes)
                    conversation.feedHost(hostAnswer(step.obj("host")!!))
                }
                is Step.ReadEnv -> {
                    assertEquals(where, expect.str("read_env"), got.name)
                    conversation.feedHost(hostAnswer(step.obj("host")!!))
                }
                is Step.Run -> {
                    val want = expect.obj("run")!!
                    assertEquals(where, want.str("program"), got.run.program)
                    assertEquals(where, want["args"].asJsonArray.map { it.asString }, got.run.args)
                    val env = want["env"].asJsonArray.associate { it.asJsonArray[0].asString to it.asJsonArray[1].asString }
                    assertEquals(where, env, got.run.env)
                    assertEquals(where, want["timeout_millis"].asLong.toULong(), got.run.timeoutMillis)
                    conversation.feedHost(hostAnswer(step.obj("host")!!))
                }
                is Step.Done -> {
                    val output = got.output as? Output.Json ?: throw AssertionError("$where: $got")
                    assertEquals(where, expect["done"], JsonParser.parseString(output.json))
                }
            }
        }
    }

    @Test
    fun cacheDecisions() {
        val cases = Vectors.cases("cache.json")
        for (case in cases) {
            val style = if (case.str("policy") == "ibm") RefreshStyle.IBM else RefreshStyle.GOOGLE
            val cache = TokenCache(style, case["max_jitter_secs"].asLong.toULong(), case["jitter_seed"].asLong.toULong())
            var generation = 0UL
            for (op in case["ops"].asJsonArray.map { it.asJsonObject }) {
                val where = "${case.str("name")}: $op"
                fun check(lookup: CacheLookup) {
                    val shown: Any = when (lookup) {
                        is CacheLookup.Fresh -> mapOf("fresh" to expiry(lookup.token))
                        is CacheLookup.RefreshInBackground -> mapOf("refresh_in_background" to expiry(lookup.token))
                        is CacheLookup.MustRefresh -> "must_refresh"
                        is CacheLookup.WaitForRefresh -> {
                            assertEquals(where, cache.refreshGeneration(), lookup.generation)
                            "wait_for_refresh"
                        }
                        is CacheLookup.RefreshFailed -> "refresh_failed"
                    }
                    val want = op["expect"]
                    val wanted: Any = if (want.isJsonPrimitive) want.asString
                    else want.asJsonObject.entrySet().associate { (k, v) -> k to v.asLong }
                    assertEquals(where, wanted, shown)
                }
                when (op.str("op")) {
                    "get" -> check(cache.lookup(op["now"].asLong))
                    "get_after_wait" -> check(cache.lookupAfterWait(op["now"].asLong, generation))
                    "note_generation" -> generation = cache.refreshGeneration()
                    "complete" -> {
                        val obtained = op["obtained_at"].asLong
                        val token = AccessToken.bearer("t", obtained, (op["expires_at"].asLong - obtained).toULong())
                        cache.complete(Token.Access(token))
                    }
                    "fail" -> cache.fail()
                    "invalidate" -> cache.invalidate()
                    "refresh_at" -> assertEquals(where, op["expect"].takeUnless { it.isJsonNull }?.asLong, cache.refreshAt())
                    else -> throw AssertionError("unknown op $where")
                }
            }
        }
        assertTrue(cases.size >= 2)
    }

    private fun expiry(token: Token): Long = when (token) {
        is Token.Access -> token.token.expiresAt()
        is Token.Id -> token.token.expiresAt()
    }
}
