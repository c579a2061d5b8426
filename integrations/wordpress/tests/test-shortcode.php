<?php
// Runs the plugin under PHP's CLI with the few WordPress functions it calls stubbed as
// WordPress defines them, and checks what the shortcode writes. Exit status 1 on a failure.

define( 'ABSPATH', __DIR__ . '/' );

$GLOBALS['options']    = array();
$GLOBALS['shortcodes'] = array();
$GLOBALS['enqueued']   = array();
$GLOBALS['can_edit']   = false;
$GLOBALS['settings_errors'] = array();

function get_option( $name, $default = false ) {
	return array_key_exists( $name, $GLOBALS['options'] ) ? $GLOBALS['options'][ $name ] : $default;
}
function add_shortcode( $tag, $callback ) { $GLOBALS['shortcodes'][ $tag ] = $callback; }
function add_action( $hook, $callback ) {}
function shortcode_atts( $pairs, $atts, $shortcode = '' ) {
	$atts = (array) $atts;
	$out  = array();
	foreach ( $pairs as $name => $default ) {
		$out[ $name ] = array_key_exists( $name, $atts ) ? $atts[ $name ] : $default;
	}
	return $out;
}
function wp_parse_url( $url ) { return @parse_url( $url ); }
function absint( $n ) { return abs( (int) $n ); }
function __( $text, $domain = 'default' ) { return $text; }
function esc_html__( $text, $domain = 'default' ) { return esc_html( $text ); }
function esc_html( $text ) { return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' ); }
function esc_attr( $text ) { return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' ); }
// WordPress's esc_url keeps only allowed protocols and encodes what an attribute cannot hold.
function esc_url( $url ) {
	if ( ! preg_match( '#^https?://#i', $url ) ) {
		return '';
	}
	return str_replace( '&', '&#038;', htmlspecialchars( $url, ENT_QUOTES, 'UTF-8', false ) );
}
function current_user_can( $capability ) { return $GLOBALS['can_edit']; }
function wp_enqueue_script( $handle, $src, $deps = array(), $ver = false, $in_footer = false ) {
	$GLOBALS['enqueued'][ $handle ] = $src;
}
function add_settings_error( $setting, $code, $message ) { $GLOBALS['settings_errors'][] = $message; }

require dirname( __DIR__ ) . '/undersigned/undersigned.php';

$failures = 0;
function check( $condition, $what, $output = '' ) {
	global $failures;
	if ( $condition ) {
		echo "ok   - $what\n";
	} else {
		$failures++;
		echo "FAIL - $what\n       $output\n";
	}
}
function render( $atts ) {
	$GLOBALS['enqueued'] = array();
	return call_user_func( $GLOBALS['shortcodes']['undersigned'], $atts );
}

check( isset( $GLOBALS['shortcodes']['undersigned'] ), 'the shortcode is registered' );

$GLOBALS['options'][ UNDERSIGNED_OPTION ] = 'https://sign.example.org/';
$out = render( array( 'campaign' => 'scrapsi445', 'source' => 'nyas' ) );
check(
	$out === '<iframe data-undersigned src="https://sign.example.org/embed/scrapsi445?source=nyas" title="Sign this campaign" loading="lazy" style="display:block;width:100%;max-width:40rem;height:720px;border:0"></iframe>',
	'the iframe of the campaign\'s form, crediting the partner',
	$out
);
check( $GLOBALS['enqueued'] === array( 'undersigned-embed' => 'https://sign.example.org/embed.js' ), 'embed.js is loaded from the service to size the frame', json_encode( $GLOBALS['enqueued'] ) );

$out = render( array( 'campaign' => '"><script>alert(1)</script>' ) );
check( false === strpos( $out, '<script' ) && false === strpos( $out, '<iframe' ), 'a hostile campaign writes no markup', $out );
check( 0 === strpos( $out, '<!-- undersigned:' ), 'visitors see only a comment', $out );

$GLOBALS['can_edit'] = true;
$out = render( array( 'campaign' => 'x' ) );
check( false !== strpos( $out, 'class="undersigned-notice"' ), 'editors see what is wrong', $out );
$GLOBALS['can_edit'] = false;

$out = render( array( 'campaign' => 'scrapsi445', 'source' => 'nyas" onload="alert(1)' ) );
check( false !== strpos( $out, 'src="https://sign.example.org/embed/scrapsi445"' ) && false === strpos( $out, 'onload' ), 'a malformed source is dropped', $out );

$out = render( array( 'campaign' => 'scrapsi445', 'title' => '"><img src=x onerror=alert(1)> Llofnodwch / وقّع' ) );
check( false !== strpos( $out, 'title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt; Llofnodwch / وقّع"' ), 'the title is escaped, Welsh and Arabic kept', $out );
check( 2 === substr_count( $out, '<' ), 'the iframe alone: nothing else opens a tag', $out );

$out = render( array( 'campaign' => 'scrapsi445', 'height' => '99999' ) );
check( false !== strpos( $out, 'height:3000px' ), 'the height is bounded', $out );
$out = render( array( 'campaign' => 'scrapsi445', 'height' => '-5' ) );
check( false !== strpos( $out, 'height:200px' ), 'a negative height is bounded', $out );

$out = render( array( 'campaign' => 'scrapsi445', 'url' => 'javascript:alert(1)//' ) );
check( false !== strpos( $out, 'src="https://sign.example.org/embed/scrapsi445"' ), 'a javascript: url attribute falls back to the setting', $out );
$out = render( array( 'campaign' => 'scrapsi445', 'url' => 'http://127.0.0.1:8080' ) );
check( false !== strpos( $out, 'src="http://127.0.0.1:8080/embed/scrapsi445"' ), 'the url attribute sets the service for one form', $out );
$out = render( array( 'campaign' => 'scrapsi445', 'url' => 'https://evil.example/"><script>' ) );
check( false === strpos( $out, '<script' ) && false === strpos( $out, 'evil' ), 'a url with markup in its path is not used', $out );

$GLOBALS['options'][ UNDERSIGNED_OPTION ] = '';
$out = render( array( 'campaign' => 'scrapsi445' ) );
check( false === strpos( $out, '<iframe' ) && array() === $GLOBALS['enqueued'], 'without a service address, no frame and no script', $out );

$GLOBALS['options'][ UNDERSIGNED_OPTION ] = 'https://sign.example.org';
check( 'https://sign.example.org/petitions' === undersigned_sanitize_service_url( ' https://sign.example.org/petitions/ ' ), 'the setting is kept without a trailing slash' );
check( 'https://sign.example.org' === undersigned_sanitize_service_url( 'ftp://files.example.org' ) && 1 === count( $GLOBALS['settings_errors'] ), 'a non-http setting is refused and the old one kept' );

if ( $failures > 0 ) {
	echo "$failures failed\n";
	exit( 1 );
}
echo "all passed\n";
