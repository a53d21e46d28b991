// Reading the shared conformance vectors (tests/vectors) with Gson.
package dev.credmint

import com.google.gson.JsonElement
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File
import java.util.Base64

object Vectors {
    val dir = File(System.getProperty("credmint.vectors") ?: "tests/vectors")

    fun cases(name: String): List<JsonObject> =
        JsonParser.parseString(File(dir, name).readText()).asJsonObject["cases"].asJsonArray.map { it.asJsonObject }

    /** The text a `{"file": …}` or `{"text": …}` reference names. */
    fun text(reference: JsonObject): String =
        reference["file"]?.let { File(dir, it.asString).readText() } ?: reference["text"].asString

    /** Replaces `{"file": …}` references by `{"text": …}` (the core reads no files). */
    fun inlined(element: JsonElement): JsonElement = when {
        element.isJsonObject -> {
            val source = element.asJsonObject
            JsonObject().also { out ->
                for ((name, value) in source.entrySet()) {
                    if (name == "file") out.addProperty("text", File(dir, value.asString).readText())
                    else out.add(name, inlined(value))
                }
            }
        }
        element.isJsonArray -> com.google.gson.JsonArray().also { out -> element.asJsonArray.forEach { out.add(inlined(it)) } }
        else -> element
    }

    fun b64(bytes: ByteArray): String = Base64.getEncoder().encodeToString(bytes)
    fun fromB64(text: String): ByteArray = Base64.getDecoder().decode(text)
    fun fromB64Url(text: String): ByteArray = Base64.getUrlDecoder().decode(text)
}

fun JsonObject.str(name: String): String? = this[name]?.takeUnless { it.isJsonNull }?.asString
fun JsonObject.obj(name: String): JsonObject? = this[name]?.takeUnless { it.isJsonNull }?.asJsonObject
fun JsonObject.strings(name: String): List<String>? = this[name]?.takeUnless { it.isJsonNull }?.asJsonArray?.map { it.asString }

/** The error code a call threw, or null when it returned. */
inline fun codeOf(call: () -> Unit): String? = try {
    call()
    null
} catch (failure: CredmintException) {
    failure.code
}
