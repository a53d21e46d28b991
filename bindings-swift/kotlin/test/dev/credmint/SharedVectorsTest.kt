// The shared-cache vectors (tests/vectors/shared.json) through the Kotlin
// binding: cache keys, sealed entries, misses and the lease protocol.
package dev.credmint

import com.google.gson.JsonElement
import com.google.gson.JsonObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Test

class SharedVectorsTest {
    private fun cases(op: String) = Vectors.cases("shared.json").filter { it.str("op") == op }

    private fun cache(case: JsonObject): SharedCache {
        val scopes = case.strings("scopes")
        val credentials = CoreCredentials.fromJson(Vectors.text(case.obj("document")!!), scopes?.let { CredentialOptions(it).json() })
        val options = (case.obj("options") ?: JsonObject()).deepCopy()
        case.str("key_prefix")?.let { options.addProperty("key_prefix", it) }
        val json = if (options.size() == 0) null else options.toString()
        return SharedCache(Vectors.fromB64(case.str("secret_b64")!!), credentials, case.str("audience"), json)
    }

    private fun shown(entry: SharedEntry): JsonElement {
        val token = (entry.token as Token.Access).token
        return json("token" to token.token(), "obtained_at" to token.obtainedAt(), "expires_at" to token.expiresAt(),
            "refresh_at" to entry.refreshAt)
    }

    private fun token(spec: JsonObject): Token =
        Token.Access(AccessToken.bearer(spec.str("token")!!, spec["obtained_at"].asLong, spec["lifetime"].asLong.toULong()))

    @Test
    fun cacheKeys() {
        for (case in cases("name")) {
            cache(case).use { shared ->
                assertEquals(case.str("name"), case.str("entry_key"), shared.entryKey())
                assertEquals(case.str("name"), case.str("lease_key"), shared.leaseKey())
            }
        }
    }

    @Test
    fun sealedEntriesOpenAndMissesMiss() {
        for (case in cases("seal")) {
            val opened = cache(case).open(case.str("sealed")!!, case["now"].asLong)
            assertNotNull(case.str("name"), opened)
            val entry = case.obj("entry")!!
            val expected = JsonObject().apply { listOf("token", "obtained_at", "expires_at", "refresh_at").forEach { add(it, entry[it]) } }
            assertEquals(case.str("name"), expected, shown(opened!!))
            assertEquals(case.str("name"), entry.str("refresh_token"), (opened.token as Token.Access).token.refreshToken())
        }
        for (case in cases("open")) {
            val opened = cache(case).open(case.str("value")!!, case["now"].asLong)
            assertEquals(case.str("name"), case["expect"], opened?.let(::shown) ?: com.google.gson.JsonNull.INSTANCE)
        }
    }

    @Test
    fun leaseProtocol() {
        val scripts = cases("protocol")
        assertEquals(true, scripts.size >= 9)
        for (case in scripts) {
            val name = case.str("name")
            val shared = cache(case)
            val now = case["now"].asLong
            val refresh = shared.refresh(now, case.obj("current")?.let(::token))
            var holder: String? = null
            for (line in case["script"].asJsonArray.map { it.asJsonObject }) {
                val expect = line["expect"]
                if (expect != null) {
                    val got: JsonElement = when (val step = refresh.poll(now)) {
                        is SharedStep.Get -> json("get" to step.key)
                        is SharedStep.SetIfAbsent -> {
                            holder = step.value
                            json("set_if_absent" to json("key" to step.key, "ttl_millis" to step.ttlMillis.toLong()))
                        }
                        is SharedStep.Set -> json("set" to json(
                            "key" to step.key, "ttl_millis" to step.ttlMillis.toLong(), "entry" to shown(shared.open(step.value, now)!!),
                        ))
                        is SharedStep.DeleteIfEquals -> {
                            assertEquals("$name: releases its own lease", holder, step.value)
                            json("delete_if_equals" to step.key)
                        }
                        is SharedStep.Refresh -> com.google.gson.JsonPrimitive("refresh")
                        is SharedStep.Wait -> json("wait" to step.millis.toLong())
                        is SharedStep.Done -> json("done" to json(
                            "token" to (step.entry.token as Token.Access).token.token(), "refresh_at" to step.entry.refreshAt,
                            "origin" to step.origin,
                        ))
                        is SharedStep.Failed -> com.google.gson.JsonPrimitive("failed")
                    }
                    assertEquals(name, expect, got)
                } else {
                    val feed = line["feed"]
                    when {
                        feed.isJsonPrimitive && feed.asString == "ok" -> refresh.feedOk()
                        feed.isJsonPrimitive && feed.asString == "store_error" -> refresh.feedStoreError()
                        feed.isJsonPrimitive && feed.asString == "refresh_failed" -> refresh.feedRefreshFailed()
                        feed.asJsonObject.has("value") -> refresh.feedValue(feed.asJsonObject.str("value"))
                        feed.asJsonObject.has("set") -> refresh.feedSet(feed.asJsonObject["set"].asBoolean)
                        else -> refresh.feedToken(token(feed.asJsonObject.obj("token")!!))
                    }
                }
            }
        }
    }

    private fun json(vararg members: Pair<String, Any>): JsonObject = JsonObject().apply {
        for ((key, value) in members) when (value) {
            is JsonElement -> add(key, value)
            is String -> addProperty(key, value)
            is Number -> addProperty(key, value)
            else -> throw AssertionError("unexpected $value")
        }
    }
}
