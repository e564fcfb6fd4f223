/**
 * Qwen2.5-Instruct's chat template (ChatML with a tools block and a default system prompt), kept
 * byte for byte so that prompts rendered here are the prompts Qwen2.5 was trained on.
 *
 * Provenance: the `chat_template` of `tokenizer_config.json` in the Hugging Face repositories
 * `Qwen/Qwen2.5-{0.5B,1.5B,3B,7B,14B,32B,72B}-Instruct` (the same string in all of them). The
 * model hub cannot be reached from here, so the text was taken from three public copies that
 * agree character for character: the Qwen2.5-7B-Instruct template embedded in minja-swift's
 * `ChatTemplateTests.swift` (John Mai, 2025), a Qwen2.5 tokenizer-trimming script that writes the
 * Qwen2.5-Instruct `tokenizer_config.json`, and an Android llama.cpp client that sets the same
 * template. Its SHA-256 (UTF-8) is pinned in {@link QWEN25_CHAT_TEMPLATE_SHA256} and checked by
 * the tests; `scripts/models/chat_template_reference.py` renders it with transformers to confirm.
 *
 * Written with `String.raw` so that the template's own escapes (a backslash and an `n` inside Jinja strings)
 * stay as written; the template contains no backtick and no `${`.
 */

/** SHA-256 of {@link QWEN25_CHAT_TEMPLATE} as UTF-8. */
export const QWEN25_CHAT_TEMPLATE_SHA256 = 'cd8e9439f0570856fd70470bf8889ebd8b5d1107207f67a5efb46e342330527f';

/** The default system prompt Qwen2.5's template inserts when the conversation has none. */
export const QWEN25_DEFAULT_SYSTEM_PROMPT = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.';

/**
 * Qwen2.5-Instruct's `chat_template`, exactly (it ends with a newline).
 *
 * @example
 * ```ts
 * import { QWEN25_CHAT_TEMPLATE, renderChatTemplate } from '@s3lab/toolkit';
 * renderChatTemplate(QWEN25_CHAT_TEMPLATE, [{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
 * // '<|im_start|>system\nYou are Qwen, …<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n'
 * ```
 */
export const QWEN25_CHAT_TEMPLATE = String.raw`{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}` + '\n';
